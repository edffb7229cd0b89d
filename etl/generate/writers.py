"""Vendor-shaped extract files, each in its source system's own codes, encoding and quirks.

The contracts are documented in docs/sources.md; the ETL reads these files exactly as it would
read real deliveries. Every writer takes the extraction date X and shows records as their system
shows them on X.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .extraction import adult_need_shown, end_reason_shown, paying_on, rate_shown, shown_end
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
AS2007_PLACEMENT_CODE = {
    "PF-ALMEN": "11", "PF-FORST": "12", "PF-SPEC": "13", "PF-NET": "14", "PF-KOMM": "15", "EGET-VAER": "20",
    "BUH": "30", "BUH-OPH": "31", "BUH-DI": "32", "SIKRET": "33", "KOST": "40", "SKIB": "50", "OTHER": "90",
}
# The conformed end reasons (config/end_reasons.csv) in each system's own codes.
KMD_END_REASON = {"PLANLAGT": "01", "HJEMGIVET": "02", "SAMMENBRUD-UNG": "03", "SAMMENBRUD-STED": "04",
                  "FYLDT-18": "05", "FRAFLYTTET": "06", "ANDET": "99"}
AS2007_END_REASON = {"PLANLAGT": "PLAN", "HJEMGIVET": "HJEM", "SAMMENBRUD-UNG": "SBU", "SAMMENBRUD-STED": "SBA",
                     "FYLDT-18": "ALDER", "FRAFLYTTET": "FRAFLYT", "ANDET": "ANDET"}
DUBU_END_REASON = {"PLANLAGT": "PLANMAESSIGT_OPHOER", "HJEMGIVET": "HJEMGIVELSE", "SAMMENBRUD-UNG": "SAMMENBRUD_BARN",
                   "SAMMENBRUD-STED": "SAMMENBRUD_ANBRINGELSESSTED", "FYLDT-18": "FYLDT_18",
                   "FRAFLYTTET": "FRAFLYTNING", "ANDET": "ANDET"}
KMD_COLUMNS = (
    "Kommunenr", "Sagsnr", "Bevillingsnr", "CPR-nr", "Paragraf", "Ydelse", "Anbringelsesform", "Målgruppe",
    "Leverandør CVR", "Leverandør", "Bevillingsdato", "Startdato", "Slutdato", "Takst", "Takstenhed",
    "Antal vederlag", "Betalingskommune", "Sagsbehandler", "Sagsbehandlernavn", "Enhed", "Konto", "Oprettet",
    "Ophørsårsag", "Voksenbehov vurderet",
)
PRISME_POSTING_COLUMNS = ("Bilagsnr", "Bogføringsdato", "Kontostreng", "Art", "Beløb", "CPR", "Fagsystem",
                          "Fagsystemreference", "Tekst")
OPUS_POSTING_COLUMNS = ("BILAGSNR", "POSTERINGSDATO", "KONTO", "ARTSKONTO", "BELOEB", "CPRNR", "FAGSYSTEM",
                        "FAGSYSTEMREF", "TEKST")


# --- codes and formats --------------------------------------------------------------------------

def legal_basis(grant: Grant, system: str) -> str:
    """The paragraph as the system shows it: SEL before 2024, BL after; KMD left some old grants unconverted."""
    spec = grant.spec
    new, old = spec.code, spec.old_code or spec.code
    if grant.without_consent:
        new, old = {"BL-46": "BL-47"}.get(new, new), {"SEL-52-3-7": "SEL-58"}.get(old, old)
    if grant.start >= BARNETS_LOV:
        return new
    if grant.end is not None and grant.end < BARNETS_LOV:
        return old
    return new if system != "KMD" or grant.code_converted else old


def kmd_paragraph(code: str) -> str:
    """KMD Børn og Voksne writes the last level after a dot: SEL-52-3.7, BL-32-1.3."""
    if code == "SEL-58":
        return "SEL-58-jf 52-3.7"
    parts = code.split("-")
    return "-".join(parts[:-1]) + "." + parts[-1] if len(parts) >= 4 else code


def legal_parts(code: str) -> tuple[str, str, str | None, str | None]:
    law, paragraph, *rest = code.split("-")
    return law, paragraph, rest[0] if rest else None, rest[1] if len(rest) > 1 else None


def grant_reference(system: str, seed: int, grant: Grant) -> str:
    """The grant's id in its case system: a number in KMD, a UUID in DUBU, a prefixed id in AS2007."""
    if system == "DUBU":
        return str(uuid.UUID(int=random.Random(f"{seed}:{grant.municipality}:{grant.number}").getrandbits(128),
                             version=4))
    if system == "AS2007":
        return f"AS-{grant.municipality}-{grant.number}"
    return str(grant.number)


def _dmy(day: date | None) -> str:
    return "" if day is None else day.strftime("%d-%m-%Y")


def _comma(amount: float | None) -> str:
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


# --- case systems -------------------------------------------------------------------------------

def write_kmd_grants(path: Path, grants: list[Grant], extraction: date) -> int:
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(KMD_COLUMNS)
        for g in grants:
            provider = g.provider
            writer.writerow((
                f"{g.municipality:04d}", g.case_id, str(g.number), f"{g.citizen.cpr[:6]}-{g.citizen.cpr[6:]}",
                kmd_paragraph(legal_basis(g, "KMD")), g.spec.service, KMD_PLACEMENT_TEXT.get(g.placement_type, ""),
                g.target_group, provider.cvr if provider else "", provider.name if provider else "", _dmy(g.decided),
                _dmy(g.start), _dmy(shown_end(g, extraction)), _comma(rate_shown(g, extraction)),
                "Døgn" if g.spec.daily_rate else "Måned", _comma(g.fees), f"{paying_on(g, extraction):04d}",
                g.caseworker.source_id, g.caseworker.name, g.caseworker.unit, g.account, _dmy(g.registered),
                KMD_END_REASON.get(end_reason_shown(g, extraction), ""),
                {True: "J", False: "N", None: ""}[adult_need_shown(g, extraction)],
            ))
    return len(grants)


def write_dubu_measures(path: Path, grants: list[Grant], extraction: date, seed: int) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for g in grants:
            end = shown_end(g, extraction)
            law, paragraph, subsection, item = legal_parts(legal_basis(g, "DUBU"))
            record = {
                "kommunekode": f"{g.municipality:04d}", "sagsid": g.case_id,
                "indsatsid": grant_reference("DUBU", seed, g),
                "barn": {"cpr": g.citizen.cpr},
                "lovgrundlag": {"lov": law, "paragraf": paragraph, "stk": subsection, "nr": item},
                "indsats": g.spec.service, "anbringelsesform": DUBU_PLACEMENT_ENUM.get(g.placement_type),
                "maalgruppe": g.target_group,
                "leverandoer": {"cvr": g.provider.cvr or None, "navn": g.provider.name} if g.provider else None,
                "afgoerelsesdato": g.decided.isoformat(), "startdato": g.start.isoformat(),
                "slutdato": end.isoformat() if end else None,
                "betaling": {"beloeb": rate_shown(g, extraction), "enhed": "DOEGN" if g.spec.daily_rate else "MAANED",
                             "vederlag": g.fees},
                "betalingskommune": f"{paying_on(g, extraction):04d}", "handlekommune": f"{g.municipality:04d}",
                "raadgiver": {"id": g.caseworker.source_id, "navn": g.caseworker.name}, "team": g.caseworker.unit,
                "konto": g.account,
                "registreret": f"{g.registered.isoformat()}T{8 + g.number % 9:02d}:{g.number % 60:02d}:00",
                "ophoersaarsag": DUBU_END_REASON.get(end_reason_shown(g, extraction)),
                "voksenbehovVurderet": adult_need_shown(g, extraction),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(grants)


def write_as2007_grants(path: Path, grants: list[Grant], extraction: date, municipality: int) -> int:
    """CGI AS2007's XML extract: one <Bevilling> per grant, ISO-8859-1, amounts with decimal comma."""
    lines = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
             f'<AS2007Udtraek kommunenummer="{municipality:04d}" udtraeksdato="{extraction.isoformat()}">']
    for g in grants:
        law, paragraph, subsection, item = legal_parts(legal_basis(g, "AS2007"))
        text = f"§ {paragraph}" + (f", stk. {subsection}" if subsection else "") + (f", nr. {item}" if item else "")
        end = shown_end(g, extraction)
        lines.append(f'  <Bevilling id="{grant_reference("AS2007", 0, g)}">')
        lines.append(f'    <Sag nummer={quoteattr(g.case_id)}/>')
        lines.append(f'    <Borger cpr="{g.citizen.cpr}"/>')
        lines.append(f'    <Lovgrundlag lov="{law}" paragraf="{paragraph}" stk="{subsection or ""}" '
                     f'nr="{item or ""}">{escape(text)}</Lovgrundlag>')
        lines.append(f"    <Ydelse>{escape(g.spec.service)}</Ydelse>")
        if g.placement_type:
            lines.append(f'    <Anbringelsesform kode="{AS2007_PLACEMENT_CODE[g.placement_type]}">'
                         f"{escape(KMD_PLACEMENT_TEXT[g.placement_type])}</Anbringelsesform>")
        lines.append(f"    <Maalgruppe>{escape(g.target_group)}</Maalgruppe>")
        if g.provider:
            lines.append(f'    <Leverandoer cvr="{g.provider.cvr}" navn={quoteattr(g.provider.name)}/>')
        lines.append(f'    <Afgoerelse dato="{g.decided.isoformat()}"/>')
        lines.append(f'    <Periode fra="{g.start.isoformat()}" til="{end.isoformat() if end else ""}"/>')
        unit = "D" if g.spec.daily_rate else "M"
        lines.append(f'    <Takst beloeb="{_comma(rate_shown(g, extraction))}" enhed="{unit}"'
                     f' vederlag="{g.fees if g.fees is not None else ""}"/>')
        lines.append(f"    <Betalingskommune>{paying_on(g, extraction):04d}</Betalingskommune>")
        lines.append(f"    <Handlekommune>{g.municipality:04d}</Handlekommune>")
        lines.append(f'    <Sagsbehandler initialer="{g.caseworker.source_id}" navn={quoteattr(g.caseworker.name)} '
                     f"enhed={quoteattr(g.caseworker.unit)}/>")
        lines.append(f"    <Konto>{g.account}</Konto>")
        lines.append(f"    <Oprettet>{g.registered.isoformat()}</Oprettet>")
        reason = end_reason_shown(g, extraction)
        if reason is not None:
            lines.append(f'    <Ophoer aarsag="{AS2007_END_REASON[reason]}"/>')
        need = adult_need_shown(g, extraction)
        if need is not None:
            lines.append(f'    <Overgang voksenbehov="{int(need)}"/>')
        lines.append("  </Bevilling>")
    lines.append("</AS2007Udtraek>")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1", errors="xmlcharrefreplace"))
    return len(grants)


# --- finance ------------------------------------------------------------------------------------

def _money_text(amount: pa.Array, decimal: str) -> pa.Array:
    """Amounts as text with two decimals, built from whole øre in Arrow (no float noise, no Python loop)."""
    cents = pc.cast(pc.round(pc.multiply(amount, 100)), pa.int64())
    digits = pc.utf8_lpad(pc.cast(pc.abs(cents), pa.string()), 3, "0")
    number = pc.binary_join_element_wise(pc.utf8_slice_codeunits(digits, 0, -2),
                                         pc.utf8_slice_codeunits(digits, -2), decimal)
    sign = pc.if_else(pc.less(cents, 0), "-", "")
    return pc.binary_join_element_wise(sign, number, "")


def _date_text(days: pa.Array, pattern: str) -> pa.Array:
    return pc.strftime(pc.cast(days, pa.timestamp("s")), format=pattern)


def write_prisme_postings(path: Path, postings: pa.Table) -> int:
    table = pa.table({
        "Bilagsnr": pc.cast(postings["voucher"], pa.string()),
        "Bogføringsdato": _date_text(postings["posting_date"], "%Y-%m-%d"),
        "Kontostreng": postings["account"], "Art": postings["art"], "Beløb": _money_text(postings["amount"], ","),
        "CPR": postings["cpr"], "Fagsystem": postings["system"], "Fagsystemreference": postings["reference"],
        "Tekst": postings["text"],
    })
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf")  # Excel-style UTF-8 with a byte-order mark
        pacsv.write_csv(table, handle, write_options=pacsv.WriteOptions(delimiter=";", eol="\r\n",
                                                                            quoting_header="none"))
    return table.num_rows


def write_opus_postings(path: Path, postings: pa.Table) -> int:
    account, art = postings["account"], postings["art"]

    def part(text, start, stop):
        return pc.utf8_slice_codeunits(text, start, stop)

    dotted = [part(account, 0, 1), part(account, 1, 3), part(account, 3, 5), part(account, 5, 6), part(account, 6, 9)]
    table = pa.table({
        "BILAGSNR": pc.cast(postings["voucher"], pa.string()),
        "POSTERINGSDATO": _date_text(postings["posting_date"], "%Y%m%d"),
        "KONTO": pc.binary_join_element_wise(*dotted, "."),
        "ARTSKONTO": pc.binary_join_element_wise(part(art, 0, 1), part(art, 1, 2), "."),
        "BELOEB": _money_text(postings["amount"], "."), "CPRNR": postings["cpr"], "FAGSYSTEM": postings["system"],
        "FAGSYSTEMREF": postings["reference"], "TEKST": postings["text"],
    })
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(delimiter="|", quoting_header="none"))
    return table.num_rows


def write_prisme_budget(path: Path, rows: list[dict]) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("År", "Funktion", "Oprindeligt budget", "Korrigeret budget"))
        for row in rows:
            writer.writerow((row["year"], row["function"], _comma(row["original"]), _comma(row["corrected"])))
    return len(rows)


def write_opus_budget(path: Path, rows: list[dict]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="|", lineterminator="\n")
        writer.writerow(("AAR", "FUNKTION", "OPR_BUDGET", "KORR_BUDGET"))
        for row in rows:
            writer.writerow((row["year"], row["function"].replace(".", ""), f"{row['original']:.2f}",
                             f"{row['corrected']:.2f}"))
    return len(rows)


# --- CPR, Danmarks Statistik and assessments --------------------------------------------------------

def write_cpr_persons(path: Path, people: list[Citizen], extraction: date) -> int:
    today = date.fromordinal(extraction.toordinal() - 1)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("PNR", "FORNAVN", "EFTERNAVN", "KOEN", "FOEDDATO", "KOMKOD", "TILFLYTNINGSDATO"))
        for c in sorted(people, key=lambda c: c.cpr):
            moved_in = max((day for day, _ in c.residence if day <= today), default=c.residence[0][0])
            writer.writerow((c.cpr, c.first_name, c.last_name, c.sex, c.born.isoformat(),
                             f"{c.municipality_on(today):04d}", moved_in.isoformat()))
    return len(people)


def write_cpr_addresses(path: Path, periods: list[tuple[str, int, date, date | None]]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("PNR", "KOMKOD", "TILFLYTNINGSDATO", "FRAFLYTNINGSDATO"))
        for cpr, municipality, moved_in, moved_out in periods:
            writer.writerow((cpr, f"{municipality:04d}", moved_in.isoformat(),
                             moved_out.isoformat() if moved_out else ""))
    return len(periods)


def write_cpr_relations(path: Path, children: list[Citizen]) -> int:
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("PNR_BARN", "PNR_FORAELDER", "RELATION"))
        for child in sorted(children, key=lambda c: c.cpr):
            for parent in child.parents:
                writer.writerow((child.cpr, parent.cpr, "MOR" if parent.sex == "K" else "FAR"))
                rows += 1
    return rows


def write_dst_population(path: Path, tables: dict[str, dict]) -> int:
    """Statbank layout: one row per municipality name, sex, age label and quarter."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD"))
        for name, table in tables.items():
            for (quarter, age, sex), persons in sorted(table.items()):
                label = f"{age} år" if age < MAX_AGE else f"{MAX_AGE} år og derover"
                writer.writerow((name, "Mænd" if sex == "M" else "Kvinder", label,
                                 f"{quarter.year}K{(quarter.month - 1) // 3 + 1}", persons))
                rows += 1
    return rows


def write_assessments(path: Path, rows: list[tuple[str, date, str, float, str, str]]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("CPR", "Dato", "Instrument", "Score", "Fagsystem", "Bevillingsreference"))
        for cpr, day, instrument, score, system, reference in rows:
            writer.writerow((cpr, day.isoformat(), instrument, f"{score:.1f}".replace(".", ","), system, reference))
    return len(rows)
