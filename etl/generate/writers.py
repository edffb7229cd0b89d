"""Vendor-shaped extract files, each in its source system's own codes, encoding and quirks.

The contracts are documented in docs/sources.md; the ETL reads these files exactly as it
would read real deliveries.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import date
from pathlib import Path

from .finance import Posting, rate_on
from .population import MAX_AGE
from .simulation import BARNETS_LOV, Citizen, Grant

KMD_PLACEMENT_TEXT = {
    "PF-ALMEN": "Almen plejefamilie", "PF-FORST": "Forstærket plejefamilie",
    "PF-SPEC": "Specialiseret plejefamilie", "PF-NET": "Netværksplejefamilie",
    "PF-KOMM": "Kommunal plejefamilie", "EGET-VAER": "Eget værelse, kollegium", "BUH": "Børne- og ungehjem",
    "BUH-OPH": "Socialpædagogisk opholdssted", "BUH-DI": "Døgninstitution", "SIKRET": "Sikret døgninstitution",
    "KOST": "Kostskole/efterskole", "SKIB": "Skibsprojekt", "OTHER": "Andet",
}
DUBU_PLACEMENT_ENUM = {
    "PF-ALMEN": "PLEJEFAMILIE_ALMEN", "PF-FORST": "PLEJEFAMILIE_FORSTAERKET",
    "PF-SPEC": "PLEJEFAMILIE_SPECIALISERET", "PF-NET": "NETVAERKSPLEJEFAMILIE", "PF-KOMM": "KOMMUNAL_PLEJEFAMILIE",
    "EGET-VAER": "EGET_VAERELSE", "BUH": "BOERNE_OG_UNGEHJEM", "BUH-OPH": "OPHOLDSSTED", "BUH-DI": "DOEGNINSTITUTION",
    "SIKRET": "SIKRET_DOEGNINSTITUTION", "KOST": "KOSTSKOLE", "SKIB": "SKIBSPROJEKT", "OTHER": "ANDET",
}
KMD_COLUMNS = (
    "Kommunenr", "Sagsnr", "Bevillingsnr", "CPR-nr", "Paragraf", "Ydelse", "Anbringelsesform", "Målgruppe",
    "Leverandør CVR", "Leverandør", "Bevillingsdato", "Startdato", "Slutdato", "Takst", "Takstenhed",
    "Antal vederlag", "Betalingskommune", "Sagsbehandler", "Sagsbehandlernavn", "Enhed", "Konto", "Oprettet",
)
PRISME_POSTING_COLUMNS = ("Bilagsnr", "Bogføringsdato", "Kontostreng", "Art", "Beløb", "CPR", "Fagsystem",
                          "Fagsystemreference", "Tekst")
PRISME_BUDGET_COLUMNS = ("År", "Funktion", "Oprindeligt budget", "Korrigeret budget")
CPR_COLUMNS = ("PNR", "FORNAVN", "EFTERNAVN", "KOEN", "FOEDDATO", "KOMKOD", "TILFLYTNINGSDATO")
DST_COLUMNS = ("OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD")


def legal_basis(grant: Grant, system: str) -> str:
    """The paragraph as the system shows it: SEL before 2024, BL after; KMD left some old grants unconverted."""
    spec = grant.spec
    new, old = spec.code, spec.old_code or spec.code
    if grant.without_consent:
        new, old = {"BL-46": "BL-47"}.get(new, new), {"SEL-52-3-7": "SEL-58"}.get(old, old)
    if grant.start >= BARNETS_LOV:
        return new
    if grant.end < BARNETS_LOV:
        return old
    return new if system == "DUBU" or grant.code_converted else old


def kmd_paragraph(code: str) -> str:
    """KMD Børn og Voksne writes the last level after a dot: SEL-52-3.7, BL-32-1.3."""
    if code == "SEL-58":
        return "SEL-58-jf 52-3.7"
    parts = code.split("-")
    return "-".join(parts[:-1]) + "." + parts[-1] if len(parts) >= 4 else code


def dubu_legal_basis(code: str) -> dict:
    law, paragraph, *rest = code.split("-")
    return {"lov": law, "paragraf": paragraph, "stk": rest[0] if rest else None,
            "nr": rest[1] if len(rest) > 1 else None}


def shown_end(grant: Grant, as_of: date) -> date | None:
    """Ended grants show their end; running ones only a planned end for time-limited support."""
    if grant.end < as_of:
        return grant.end
    return grant.end if grant.spec.placement_type is None and grant.spec.area == "children" else None


def dubu_id(seed: int, grant: Grant) -> str:
    return str(uuid.UUID(int=random.Random(f"{seed}:{grant.municipality}:{grant.number}").getrandbits(128), version=4))


def _dmy(day: date | None) -> str:
    return "" if day is None else day.strftime("%d-%m-%Y")


def _comma(amount: float | None) -> str:
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


def write_kmd_grants(path: Path, grants: list[Grant], as_of: date) -> int:
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(KMD_COLUMNS)
        for g in grants:
            last_day = min(g.end, as_of)
            writer.writerow((
                f"{g.municipality:04d}", g.case_id, str(g.number), f"{g.citizen.cpr[:6]}-{g.citizen.cpr[6:]}",
                kmd_paragraph(legal_basis(g, "KMD")), g.spec.service, KMD_PLACEMENT_TEXT.get(g.placement_type, ""),
                g.target_group, g.provider.cvr, g.provider.name, _dmy(g.decided), _dmy(g.start),
                _dmy(shown_end(g, as_of)), _comma(rate_on(g, last_day)), "Døgn" if g.spec.daily_rate else "Måned",
                _comma(g.fees), f"{g.municipality:04d}", g.caseworker.source_id, g.caseworker.name,
                g.caseworker.unit, g.account, _dmy(g.registered),
            ))
    return len(grants)


def write_dubu_grants(path: Path, grants: list[Grant], as_of: date, seed: int) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for g in grants:
            last_day = min(g.end, as_of)
            end = shown_end(g, as_of)
            record = {
                "kommunekode": f"{g.municipality:04d}", "sagsid": g.case_id, "indsatsid": dubu_id(seed, g),
                "barn": {"cpr": g.citizen.cpr}, "lovgrundlag": dubu_legal_basis(legal_basis(g, "DUBU")),
                "indsats": g.spec.service, "anbringelsesform": DUBU_PLACEMENT_ENUM.get(g.placement_type),
                "maalgruppe": g.target_group,
                "leverandoer": {"cvr": g.provider.cvr or None, "navn": g.provider.name},
                "afgoerelsesdato": g.decided.isoformat(), "startdato": g.start.isoformat(),
                "slutdato": end.isoformat() if end else None,
                "betaling": {"beloeb": rate_on(g, last_day), "enhed": "DOEGN" if g.spec.daily_rate else "MAANED",
                             "vederlag": g.fees},
                "betalingskommune": f"{g.municipality:04d}", "handlekommune": f"{g.municipality:04d}",
                "raadgiver": {"id": g.caseworker.source_id, "navn": g.caseworker.name}, "team": g.caseworker.unit,
                "konto": g.account,
                "registreret": f"{g.registered.isoformat()}T{8 + g.number % 9:02d}:{g.number % 60:02d}:00",
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(grants)


def write_prisme_postings(path: Path, postings: list[Posting], first_voucher: int) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(PRISME_POSTING_COLUMNS)
        for offset, p in enumerate(sorted(postings, key=lambda p: (p.posting_date, p.reference))):
            writer.writerow((first_voucher + offset, p.posting_date.isoformat(), p.account, p.art,
                             _comma(p.amount), p.cpr, p.system, p.reference, p.text))
    return len(postings)


def write_prisme_budget(path: Path, rows: list[dict]) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(PRISME_BUDGET_COLUMNS)
        for row in rows:
            writer.writerow((row["year"], row["function"], _comma(row["original"]), _comma(row["corrected"])))
    return len(rows)


def write_cpr(path: Path, citizens: list[Citizen], seed: int) -> int:
    rng = random.Random(f"{seed}:cpr-moves")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(CPR_COLUMNS)
        for c in sorted(citizens, key=lambda c: c.cpr):
            latest_move = max(c.born, date(2023, 1, 1))
            moved_in = c.born if rng.random() < 0.4 else date.fromordinal(
                rng.randrange(c.born.toordinal(), latest_move.toordinal() + 1))
            writer.writerow((c.cpr, c.first_name, c.last_name, c.sex, c.born.isoformat(),
                             f"{c.municipality:04d}", moved_in.isoformat()))
    return len(citizens)


def write_dst_population(path: Path, tables: dict[str, dict]) -> int:
    """Statbank layout: one row per municipality name, sex, age label and quarter."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(DST_COLUMNS)
        for name, table in tables.items():
            for (quarter, age, sex), persons in sorted(table.items()):
                label = f"{age} år" if age < MAX_AGE else f"{MAX_AGE} år og derover"
                writer.writerow((name, "Mænd" if sex == "M" else "Kvinder", label,
                                 f"{quarter.year}K{(quarter.month - 1) // 3 + 1}", persons))
                rows += 1
    return rows
