"""Hand-made delivery files in each vendor's shape, written row by row from plain dicts.

Independent of the generator on purpose: tests state every row they load, so expected
figures can be worked out by hand from what is written here.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

KMD_COLUMNS = (
    "Kommunenr", "Sagsnr", "Bevillingsnr", "CPR-nr", "Paragraf", "Ydelse", "Anbringelsesform", "Målgruppe",
    "Leverandør CVR", "Leverandør", "Bevillingsdato", "Startdato", "Slutdato", "Takst", "Takstenhed",
    "Antal vederlag", "Betalingskommune", "Sagsbehandler", "Sagsbehandlernavn", "Enhed", "Konto", "Oprettet",
    "Ophørsårsag", "Voksenbehov vurderet",
)


def dmy(day: date | None) -> str:
    return "" if day is None else day.strftime("%d-%m-%Y")


def kmd_grant(municipality: int, number: str, cpr: str, paragraph: str, start: date, end: date | None,
              rate: str, *, caseworker: str = "AZ00001", placement: str = "", unit: str = "Måned",
              account: str = "528221002", service: str = "Anbringelse", paying: int | None = None,
              provider: str = "Plejefamilien Hansen", cvr: str = "") -> dict:
    return {
        "Kommunenr": f"{municipality:04d}", "Sagsnr": f"S-{number}", "Bevillingsnr": number,
        "CPR-nr": f"{cpr[:6]}-{cpr[6:]}", "Paragraf": paragraph, "Ydelse": service,
        "Anbringelsesform": placement, "Målgruppe": "Børn og unge med sociale problemer", "Leverandør CVR": cvr,
        "Leverandør": provider, "Bevillingsdato": dmy(start), "Startdato": dmy(start), "Slutdato": dmy(end),
        "Takst": rate, "Takstenhed": unit, "Antal vederlag": "", "Betalingskommune": f"{paying or municipality:04d}",
        "Sagsbehandler": caseworker, "Sagsbehandlernavn": f"Rådgiver {caseworker}", "Enhed": "Børn og Familie",
        "Konto": account, "Oprettet": dmy(start), "Ophørsårsag": "", "Voksenbehov vurderet": "",
    }


def write_kmd(folder: Path, municipality: int, stamp: str, rows: list[dict], encoding: str = "cp1252") -> Path:
    path = folder / f"KMD_BV_BEVILLINGER_{municipality:04d}_{stamp}.csv"
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, KMD_COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def dubu_measure(municipality: int, measure_id: str, cpr: str, law: tuple, start: date, end: date | None,
                 rate: float, *, placement: str | None = None, caseworker: str = "AZ00002",
                 account: str = "528221002") -> dict:
    lov, paragraph, *rest = law
    return {
        "kommunekode": f"{municipality:04d}", "sagsid": f"D-{measure_id}", "indsatsid": measure_id,
        "barn": {"cpr": cpr},
        "lovgrundlag": {"lov": lov, "paragraf": paragraph, "stk": rest[0] if rest else None,
                        "nr": rest[1] if len(rest) > 1 else None},
        "indsats": "Anbringelse" if placement else "Støtte", "anbringelsesform": placement,
        "maalgruppe": "Børn og unge med sociale problemer",
        "leverandoer": {"cvr": None, "navn": "Plejefamilien Jensen"},
        "afgoerelsesdato": start.isoformat(), "startdato": start.isoformat(),
        "slutdato": end.isoformat() if end else None,
        "betaling": {"beloeb": rate, "enhed": "MAANED", "vederlag": None},
        "betalingskommune": f"{municipality:04d}", "handlekommune": f"{municipality:04d}",
        "raadgiver": {"id": caseworker, "navn": f"Rådgiver {caseworker}"}, "team": "Familie",
        "konto": account, "registreret": f"{start.isoformat()}T10:00:00",
    }


def write_dubu(folder: Path, municipality: int, stamp: str, records: list[dict | str]) -> Path:
    path = folder / f"DUBU_INDSATSER_{municipality:04d}_{stamp}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def posting(voucher: int, day: date, account: str, amount: str, cpr: str = "", system: str = "",
            reference: str = "") -> dict:
    return {"Bilagsnr": str(voucher), "Bogføringsdato": day.isoformat(), "Kontostreng": account, "Art": "40",
            "Beløb": amount, "CPR": cpr, "Fagsystem": system, "Fagsystemreference": reference, "Tekst": "Betaling"}


def write_postings(folder: Path, municipality: int, stamp: str, rows: list[dict]) -> Path:
    path = folder / f"PRISME_POSTERINGER_{municipality:04d}_{stamp}.csv"
    columns = ("Bilagsnr", "Bogføringsdato", "Kontostreng", "Art", "Beløb", "CPR", "Fagsystem",
               "Fagsystemreference", "Tekst")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, columns, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_budget(folder: Path, municipality: int, stamp: str, rows: list[tuple[int, str, str, str]]) -> Path:
    path = folder / f"PRISME_BUDGET_{municipality:04d}_{stamp}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("År", "Funktion", "Oprindeligt budget", "Korrigeret budget"))
        writer.writerows(rows)
    return path


def write_cpr(folder: Path, stamp: str, people: list[tuple[str, str, str, str, date, int]]) -> Path:
    """people: (cpr, first name, last name, sex, birth date, municipality)."""
    path = folder / f"CPR_PERSONER_{stamp}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("PNR", "FORNAVN", "EFTERNAVN", "KOEN", "FOEDDATO", "KOMKOD", "TILFLYTNINGSDATO"))
        for cpr, first, last, sex, born, municipality in people:
            writer.writerow((cpr, first, last, sex, born.isoformat(), f"{municipality:04d}", born.isoformat()))
    return path


def write_population(folder: Path, stamp: str, rows: list[tuple[str, str, str, str, int]]) -> Path:
    """rows: (municipality name, 'Mænd'/'Kvinder', '7 år', '2026K1', persons)."""
    path = folder / f"DST_FOLK1A_{stamp}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD"))
        writer.writerows(rows)
    return path


def as2007_grant(municipality: int, grant_id: str, cpr: str, law: tuple, start: str, end: str, rate: str,
                 placement_code: str | None = None) -> str:
    """One <Bevilling> element in CGI AS2007's shape (values given as the file holds them)."""
    lov, paragraph, *rest = law
    subsection, item = [*rest, "", ""][:2]
    placement = (f'    <Anbringelsesform kode="{placement_code}">Anbringelse</Anbringelsesform>\n'
                 if placement_code else "")
    return (f'  <Bevilling id="{grant_id}">\n    <Sag nummer="S-{grant_id}"/>\n    <Borger cpr="{cpr}"/>\n'
            f'    <Lovgrundlag lov="{lov}" paragraf="{paragraph}" stk="{subsection}" nr="{item}">§ {paragraph}'
            f'</Lovgrundlag>\n    <Ydelse>Anbringelse</Ydelse>\n{placement}'
            f'    <Afgoerelse dato="{start}"/>\n    <Periode fra="{start}" til="{end}"/>\n'
            f'    <Takst beloeb="{rate}" enhed="M" vederlag=""/>\n'
            f'    <Betalingskommune>{municipality:04d}</Betalingskommune>\n'
            f'    <Handlekommune>{municipality:04d}</Handlekommune>\n'
            f'    <Sagsbehandler initialer="AZ00003" navn="Rådgiver" enhed="Børn"/>\n'
            f"    <Konto>528221002</Konto>\n    <Oprettet>{start}</Oprettet>\n  </Bevilling>\n")


def write_as2007(folder: Path, municipality: int, stamp: str, records: list[str], root: str = "AS2007Udtraek") -> Path:
    path = folder / f"AS2007_BEVILLINGER_{municipality:04d}_{stamp}.xml"
    body = "".join(records)
    path.write_bytes((f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<{root} kommunenummer="{municipality:04d}">\n'
                      f"{body}</{root}>\n").encode("iso-8859-1"))
    return path
