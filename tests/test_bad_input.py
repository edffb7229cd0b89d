"""Malformed deliveries: each gets a clear message, is rejected or quarantined, and changes no fact.

Every case arrives as the next night's delivery (2 April 2026) onto the loaded hand-made scenario.
A rejected file stops the run: the published warehouse stays the same file. A quarantined row is
recorded with file, line, column, value and reason; the rest of the file loads, and since each
case's good rows repeat what is already loaded, every fact table afterwards is exactly as before.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access.scope import Role
from data_access.warehouse_schema import fact_grant, quarantine
from etl.pipeline import RunFailed

from . import deliveries as d
from . import scenario as s
from .helpers import Installation, content, load, make_installation, scope

NEXT = "20260402"
KMD_1001 = d.kmd_grant(479, "1001", s.A, "BL-46", date(2025, 6, 1), None, "30000,00", caseworker="AZ47901",
                       placement="Almen plejefamilie")  # exactly as already loaded


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], str]  # writes the delivery into the inbox, returns the file name
    expected: str  # what the message or reason must say
    line: int | None = None  # quarantine: the line, or None for a rejected file
    column: str | None = None
    value: str | None = None  # quarantine: the value the finding names, where the case checks it


def kmd_file(folder: Path, rows: list[dict], stamp: str = NEXT, encoding: str = "cp1252") -> str:
    return d.write_kmd(folder, 479, stamp, rows, encoding=encoding).name


def raw_file(name: str, content: bytes) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / name).write_bytes(content)
        return name
    return write


def kmd_with(**changes) -> Callable[[Path], str]:
    """Grant 1001 unchanged, then a new grant 1099 with one thing wrong."""
    return lambda folder: kmd_file(folder, [KMD_1001, KMD_1001 | {"Bevillingsnr": "1099"} | changes])


def truncated_kmd(folder: Path) -> str:
    path = d.write_kmd(folder, 479, NEXT, [KMD_1001, KMD_1001])
    text = path.read_bytes().decode("cp1252").rstrip("\r\n")
    path.write_bytes(text[: text.rfind(";", 0, text.rfind(";", 0, len(text) - 1))].encode("cp1252"))
    return path.name


def reordered_with_extra_column(folder: Path) -> str:
    path = folder / f"KMD_BV_BEVILLINGER_0479_{NEXT}.csv"
    columns = [*reversed(d.KMD_COLUMNS), "Bemærkning"]
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.DictWriter(handle, columns, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(KMD_1001 | {"Bemærkning": "uændret"})
        writer.writerow(KMD_1001 | {"Bevillingsnr": "1001", "Bemærkning": "to gange"})
    return path.name


def posting_file(*rows: dict) -> Callable[[Path], str]:
    return lambda folder: d.write_postings(folder, 479, NEXT, list(rows)).name


def dubu_file(*records) -> Callable[[Path], str]:
    return lambda folder: d.write_dubu(folder, 420, NEXT, list(records)).name


DUBU_F = d.dubu_measure(420, "f-1", s.F, ("BL", "46"), date(2024, 6, 1), None, 12000.0,
                        placement="NETVAERKSPLEJEFAMILIE")  # as already loaded

REJECTED = [
    Case("Windows-1252-fil gemt som UTF-8", lambda f: kmd_file(f, [KMD_1001], encoding="utf-8"), "gemt som UTF-8"),
    Case("UTF-16", raw_file(f"KMD_BV_BEVILLINGER_0479_{NEXT}.csv", "Kommunenr;Sagsnr\n".encode("utf-16")), "UTF-16"),
    Case("byte-order mark i Windows-1252-fil", raw_file(f"KMD_BV_BEVILLINGER_0479_{NEXT}.csv",
                                                         b"\xef\xbb\xbfKommunenr;Sagsnr\r\n"), "byte-order mark"),
    Case("ugyldig UTF-8", raw_file(f"CPR_PERSONER_{NEXT}.csv", b"PNR;FORNAVN;EFTERNAVN;KOEN;FOEDDATO;KOMKOD;"
                                   b"TILFLYTNINGSDATO\n" + b"7005124121;\xc6ble;B;M;2012-05-10;0479;\n"),
         "ikke gyldig UTF-8"),
    Case("byte uden betydning i Windows-1252", raw_file(f"KMD_BV_BEVILLINGER_0479_{NEXT}.csv",
                                                        ";".join(d.KMD_COLUMNS).encode("cp1252") + b"\r\n\x81\r\n"),
         "ikke gyldig Windows-1252"),
    Case("tom fil", raw_file(f"CPR_PERSONER_{NEXT}.csv", b""), "tom"),
    Case("manglende kolonne", raw_file(f"DST_FOLK1A_{NEXT}.csv", "OMRÅDE;KØN;ALDER;TID\n".encode()),
         "mangler kolonnen/kolonnerne INDHOLD"),
    Case("kolonne to gange", raw_file(f"DST_FOLK1A_{NEXT}.csv", "OMRÅDE;KØN;ALDER;TID;TID;INDHOLD\n".encode()),
         "står flere gange"),
    Case("forkert skilletegn", raw_file(f"DST_FOLK1A_{NEXT}.csv", "OMRÅDE,KØN,ALDER,TID,INDHOLD\n".encode()),
         "overskriften har ingen ';'"),
    Case("ødelagt XML", lambda f: d.write_as2007(f, 479, NEXT, ["  <Bevilling id='x'>\n  <Sag>\n"]).name,
         "ugyldig XML i linje"),
    Case("forkert XML-dokument", lambda f: d.write_as2007(f, 479, NEXT, [], root="Udtraek").name, "<Udtraek>"),
    Case("ukendt kommune i filnavnet", raw_file(f"KMD_BV_BEVILLINGER_0999_{NEXT}.csv", b"x"),
         "ukendt kommunekode 0999"),
    Case("fil fra fremtiden", raw_file("KMD_BV_BEVILLINGER_0479_20991231.csv", b"x"), "fremtiden"),
    Case("ukendt filnavn", raw_file("bevillinger_april.xlsx", b"x"), "matcher ingen kendt kilde"),
    Case("ældre end det indlæste", lambda f: kmd_file(f, [KMD_1001], stamp="20260301"), "ældre leverancer"),
    Case("indlæst fil med nyt indhold", lambda f: kmd_file(f, [KMD_1001], stamp=s.STAMP),
         "allerede indlæst med et andet indhold"),
]

QUARANTINED = [
    Case("afkortet sidste linje", truncated_kmd, "forventede 24 felter, fandt", line=3),
    Case("umulig dato", kmd_with(Startdato="30-02-2026"), "ugyldig dato", line=3, column="Startdato"),
    Case("beløb med tusindtalsseparator", kmd_with(Takst="30.000,00"), "tusindtalsseparator", line=3,
         column="Takst"),
    Case("beløb som tekst", kmd_with(Takst="tredivetusind"), "ugyldigt beløb", line=3, column="Takst"),
    Case("ukendt kommune i rækken", kmd_with(Betalingskommune="0999"), "ukendt kommunekode", line=3,
         column="Betalingskommune"),
    Case("ukendt paragraf", kmd_with(Paragraf="SEL-999"), "ukendt paragraf", line=3, column="Paragraf"),
    Case("ugyldigt CPR-nummer", kmd_with(**{"CPR-nr": "310200-1234"}), "ugyldigt CPR-nummer", line=3,
         column="CPR-nr"),
    Case("manglende værdi", kmd_with(Sagsbehandler=""), "mangler værdi", line=3, column="Sagsbehandler"),
    Case("ukendt anbringelsesform", kmd_with(Anbringelsesform="Campingvogn"), "ukendt anbringelsesform", line=3,
         column="Anbringelsesform"),
    Case("ukendt ophørsårsag", kmd_with(Slutdato="31-03-2026", Ophørsårsag="77"), "ukendt ophørsårsag",
         line=3, column="Ophørsårsag", value="77"),
    Case("voksenbehov som 'Ja' i KMD", kmd_with(**{"Voksenbehov vurderet": "Ja"}), "tilladt: J, N", line=3,
         column="Voksenbehov vurderet", value="Ja"),
    Case("slutdato før startdato", kmd_with(Slutdato="01-01-2025"), "slutdato ligger før startdato", line=3,
         column="Slutdato"),
    Case("negativ takst", kmd_with(Takst="-100,00"), "negativ takst", line=3, column="Takst"),
    Case("kommune passer ikke med filnavnet", kmd_with(Kommunenr="0410"), "passer ikke med kommunen i filnavnet",
         line=3, column="Kommunenr"),
    Case("dublet i samme leverance", lambda f: kmd_file(f, [KMD_1001, KMD_1001]), "dublet: samme nøgle som linje 2",
         line=3),
    Case("kolonner i anden rækkefølge og en ekstra", reordered_with_extra_column, "dublet", line=3),
    Case("ødelagt JSON-linje", dubu_file(DUBU_F, '{"kommunekode": "0420", "sagsid": '), "ugyldig JSON", line=2),
    Case("JSON-linje der ikke er et objekt", dubu_file(DUBU_F, "[1, 2, 3]"), "ikke et JSON-objekt", line=2),
    Case("ukendt lovgrundlag i DUBU", dubu_file(DUBU_F, DUBU_F | {"indsatsid": "f-9",
                                                                    "lovgrundlag": {"lov": "BL", "paragraf": "999"}}),
         "ukendt lovgrundlag", line=2, column="lovgrundlag"),
    Case("ukendt ophørsårsag i DUBU", dubu_file(DUBU_F, DUBU_F | {"indsatsid": "f-9", "slutdato": "2026-03-31",
                                                                    "ophoersaarsag": "STOPPET"}),
         "ukendt ophørsårsag", line=2, column="ophoersaarsag", value="STOPPET"),
    Case("voksenbehov som tekst i DUBU", dubu_file(DUBU_F, DUBU_F | {"indsatsid": "f-9", "voksenbehovVurderet": "ja"}),
         "tilladt: true, false", line=2, column="voksenbehovVurderet", value="ja"),
    Case("betaling til ukendt bevilling", posting_file(d.posting(12, date(2026, 4, 1), "528221002", "500,00", s.A,
                                                                 "KMD", "9999")),
         "ikke findes i fagsystemet", line=2, column="Fagsystemreference"),
    Case("bilag indlæst før", posting_file(d.posting(1, date(2026, 1, 1), "528221002", "30000,00", s.A, "KMD",
                                                     "1001")), "dublet: findes allerede i", line=2),
    Case("ukendt konto", posting_file(d.posting(13, date(2026, 4, 1), "599999999", "1,00")), "ukendt konto", line=2,
         column="Kontostreng"),
    Case("fødselsdato passer ikke med CPR", raw_file(f"CPR_PERSONER_{NEXT}.csv", (
        "PNR;FORNAVN;EFTERNAVN;KOEN;FOEDDATO;KOMKOD;TILFLYTNINGSDATO\n"
        f"{s.A};Alfred;Andersen;M;2012-05-11;0479;\n").encode()), "fødselsdatoen passer ikke", line=2,
         column="FOEDDATO"),
    Case("ugyldig dato i XML", lambda f: d.write_as2007(f, 479, NEXT, [
        d.as2007_grant(479, "AS-1", s.C, ("BL", "46"), "2026-02-30", "", "100,00")]).name,
         "ugyldig dato", line=3, column="Afgoerelse/@dato"),
    Case("score uden for skalaen", raw_file(f"MAALINGER_0479_{NEXT}.csv", (
        "CPR;Dato;Instrument;Score;Fagsystem;Bevillingsreference\n"
        f"{s.D};2026-04-01;VUM;7,5;KMD;1004\n").encode()), "skala", line=2, column="Score"),
    Case("underretning vurderet før modtagelsen", raw_file(f"KMD_BV_UNDERRETNINGER_0479_{NEXT}.csv", (
        "Kommunenr;Underretningsnr;CPR-nr;Modtaget;Underretter;Akut;Vurderet\r\n"
        f"0479;U1;{s.C};01-04-2026;Skole;Nej;31-03-2026\r\n").encode("cp1252")), "vurderingen ligger før", line=2,
         column="vurdering"),
    Case("ukendt underretter i DUBU", raw_file(f"DUBU_UNDERRETNINGER_0420_{NEXT}.jsonl", (
        '{"kommunekode": "0420", "underretningsid": "u-1", "barn": {"cpr": "' + s.E + '"}, '
        '"modtaget": "2026-04-01T09:00:00", "underretter": {"type": "NABO"}, "akut": false, '
        '"vurdering": {"tidspunkt": "2026-04-01T11:00:00"}}\n').encode()), "ukendt underretter", line=1,
         column="underretter.type"),
]


@pytest.fixture
def site(small, tmp_path) -> Installation:
    """A copy of the loaded scenario, so that each case starts from the same published warehouse."""
    shutil.copytree(small.data_dir, tmp_path / "site", symlinks=True)
    return make_installation(tmp_path / "site")


def test_the_matrix_has_at_least_25_cases():
    assert len(REJECTED) + len(QUARANTINED) >= 25


@pytest.mark.parametrize("case", REJECTED, ids=lambda c: c.name)
def test_a_rejected_delivery_stops_the_run_and_changes_nothing(site, case):
    before, published = content(site), (site.warehouse_dir / "current.duckdb").resolve()
    name = case.write(site.inbox)
    with pytest.raises(RunFailed) as failure:
        load(site)
    assert name in str(failure.value) and case.expected in str(failure.value)
    assert (site.warehouse_dir / "current.duckdb").resolve() == published
    assert content(site) == before
    runs = site.appstate.etl_runs(scope(Role.ADMIN))
    assert runs.iloc[0]["status"] == "failed" and case.expected in runs.iloc[0]["message"]


@pytest.mark.parametrize("case", QUARANTINED, ids=lambda c: c.name)
def test_a_bad_row_is_quarantined_and_changes_no_fact(site, case):
    before = content(site)
    name = case.write(site.inbox)
    result = load(site)
    outcome = next(f for f in result.files if f.file_name == name)
    assert outcome.status == "loaded"
    assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined
    assert outcome.rows_quarantined == 1
    found = site.warehouse.query(select(quarantine).where(quarantine.c.file_name == name))
    assert set(found["line"]) == {case.line}  # one bad line (it may break more than one rule)
    matching = found[found["reason"].str.contains(case.expected, regex=False)]
    if case.column:
        matching = matching[matching["column_name"] == case.column]
    assert len(matching) == 1, found[["column_name", "value", "reason"]].to_dict("records")
    if case.value is not None:
        assert list(matching["value"]) == [case.value]
    assert not found["value"].fillna("").str.contains(r"\d{6}-?\d{4}", regex=True).any()  # CPR-like values masked
    assert content(site) == before


def test_small_files_validated_together_keep_their_own_lines_and_counts(site):
    # Two small KMD files of one night are validated in one batch. Each has its bad line on line 3,
    # and the second repeats its grant on lines 3 and 4: every finding must name its own file, and
    # each file must reconcile on its own (2 rows read = 1 loaded + 1 quarantined; 3 = 1 + 2).
    svendborg = kmd_file(site.inbox, [KMD_1001, KMD_1001 | {"Bevillingsnr": "1098", "Takst": "tusind"}])
    middelfart_grant = d.kmd_grant(410, "2001", s.C, "BL-46", date(2025, 6, 1), None, "1000,00", caseworker="AZ41001")
    middelfart = d.write_kmd(site.inbox, 410, NEXT, [middelfart_grant, middelfart_grant | {"Takst": "1.000,00"},
                                                     middelfart_grant]).name
    result = load(site)
    counts = {f.file_name: (f.rows_read, f.rows_loaded, f.rows_quarantined) for f in result.files}
    assert counts[svendborg] == (2, 1, 1)
    assert counts[middelfart] == (3, 1, 2)
    found = site.warehouse.query(select(quarantine).where(quarantine.c.file_name.in_([svendborg, middelfart])))
    by_file = {name: sorted(zip(rows["line"], rows["column_name"], strict=True))
               for name, rows in found.groupby("file_name")}
    assert by_file[svendborg] == [(3, "Takst")]
    assert (3, "Takst") in by_file[middelfart]
    # Lines 3 and 4 repeat line 2's grant number; nothing in the other file counts as a repeat.
    repeats = found[found["reason"].str.startswith("dublet")]
    assert sorted(zip(repeats["file_name"], repeats["line"], repeats["reason"], strict=True)) == [
        (middelfart, 3, "dublet: samme nøgle som linje 2"), (middelfart, 4, "dublet: samme nøgle som linje 2")]


def test_xml_records_sharing_a_line_each_keep_their_own_fate(site):
    # An XML file without line breaks: every record starts on line 2. A bad rate in the second
    # record must quarantine that record alone, numbered by its position, and load the other two.
    records = [d.as2007_grant(479, grant_id, s.C, ("BL", "46"), "2026-02-01", "", rate)
               for grant_id, rate in (("AS-1", "100,00"), ("AS-2", "mange"), ("AS-3", "300,00"))]
    name = d.write_as2007(site.inbox, 479, NEXT, [re.sub(r">\s+<", "><", record.strip()) for record in records]).name
    result = load(site)
    outcome = next(f for f in result.files if f.file_name == name)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (3, 2, 1)
    assert "postens nummer i filen" in outcome.message
    found = site.warehouse.query(select(quarantine).where(quarantine.c.file_name == name))
    assert list(zip(found["line"], found["column_name"], strict=True)) == [(2, "Takst/@beloeb")]
    loaded = site.warehouse.query(select(fact_grant.c.source_grant_id, fact_grant.c.source_line)
                                  .where(fact_grant.c.source_file == name).order_by(fact_grant.c.source_line))
    assert list(zip(loaded["source_grant_id"], loaded["source_line"], strict=True)) == [("AS-1", 1), ("AS-3", 3)]
