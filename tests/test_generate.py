"""The demo generator: deterministic, vendor-shaped, and never a real CPR number."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from etl.contracts_doc import document
from etl.cpr import birth_date, is_replacement_number
from etl.generate.delivery import generate_delivery, generate_next_night
from etl.generate.profiles import DEMO

ROOT = Path(__file__).resolve().parent.parent


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files_and_another_seed_does_not(demo, tmp_path):
    generate_delivery(DEMO, 1, tmp_path / "again")
    assert digests(tmp_path / "again") == digests(demo.inbox)
    generate_delivery(DEMO, 2, tmp_path / "other")
    other = digests(tmp_path / "other")
    assert other.keys() == digests(demo.inbox).keys()
    assert other != digests(demo.inbox)


def test_the_demo_covers_a_comparison_group_three_years_every_format_and_both_areas(demo):
    names = [p.name for p in demo.inbox.iterdir()]

    def municipalities(prefix: str) -> set[int]:
        return {int(n.split("_")[-2]) for n in names if n.startswith(prefix)}

    assert municipalities("KMD_BV_BEVILLINGER") == {410, 420, 430, 479, 480}
    assert municipalities("DUBU_INDSATSER") == {420, 430, 450, 480}
    assert municipalities("AS2007_BEVILLINGER") == {440, 450}
    assert municipalities("OPUS_POSTERINGER") == {430, 450}
    assert municipalities("PRISME_POSTERINGER") == {410, 420, 440, 479, 480}
    assert municipalities("MAALINGER") == set(DEMO.municipality_codes)
    for name in ("CPR_PERSONER", "CPR_ADRESSER", "CPR_RELATIONER", "DST_FOLK1A"):
        assert f"{name}_20261101.csv" in names
    months = set()
    for name in names:
        if name.startswith("PRISME_POSTERINGER"):
            with open(demo.inbox / name, encoding="utf-8-sig", newline="") as handle:
                months |= {row["Bogføringsdato"][:7] for row in csv.DictReader(handle, delimiter=";")}
    assert min(months) == "2023-11" and max(months) == "2026-10" and len(months) == 36
    with open(demo.inbox / "KMD_BV_BEVILLINGER_0479_20261101.csv", encoding="cp1252", newline="") as handle:
        paragraphs = {row["Paragraf"] for row in csv.DictReader(handle, delimiter=";")}
    assert {"BL-46", "SEL-85", "SEL-108"} <= paragraphs  # placements and adult measures
    assert any(p.startswith("SEL-52-3.") for p in paragraphs)  # grants from before Barnets Lov


def test_kmd_files_are_windows_1252_with_decimal_commas_and_danish_dates(demo):
    raw = (demo.inbox / "KMD_BV_BEVILLINGER_0479_20261101.csv").read_bytes()
    assert b"\r\n" in raw and b"M\xe5lgruppe" in raw  # 'å' as one cp1252 byte, CRLF line ends
    rows = list(csv.DictReader(raw.decode("cp1252").splitlines(), delimiter=";"))
    assert all("," in row["Takst"] and "." not in row["Takst"] for row in rows)
    assert all(len(row["Startdato"]) == 10 and row["Startdato"][2] == "-" for row in rows)


def test_dubu_files_are_json_lines_and_prisme_files_carry_a_byte_order_mark(demo):
    for path in demo.inbox.glob("DUBU_INDSATSER_*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert (demo.inbox / "PRISME_POSTERINGER_0479_20261101.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_every_cpr_number_is_a_replacement_number_matching_the_birth_date(demo):
    with open(demo.inbox / "CPR_PERSONER_20261101.csv", encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle, delimiter=";"))
    assert len(people) > 1000
    for person in people:
        assert is_replacement_number(person["PNR"])
        assert birth_date(person["PNR"]) == date.fromisoformat(person["FOEDDATO"])
        assert person["KOEN"] == ("M" if int(person["PNR"][-1]) % 2 else "K")


def test_next_night_needs_an_earlier_delivery_and_continues_from_the_newest(tmp_path):
    empty = subprocess.run([sys.executable, "-m", "etl.generate", "--out", str(tmp_path), "--next-night"],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    assert empty.returncode == 1 and "ingen leverancer" in empty.stderr
    (tmp_path / "CPR_PERSONER_20261104.csv").write_text("PNR\n", encoding="utf-8")
    night = generate_next_night(DEMO, 1, tmp_path)
    assert night.extraction == date(2026, 11, 5) and night.kind == "delta"
    assert {p.name for p in tmp_path.glob("*_20261105.*")}


def test_a_delta_holds_what_changed_that_day_and_is_the_same_every_time(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "CPR_PERSONER_20261101.csv").write_text("PNR\n", encoding="utf-8")
        generate_next_night(DEMO, 1, folder)
    assert digests(first) == digests(second)
    postings = list(first.glob("PRISME_POSTERINGER_*_20261102.csv"))
    assert postings
    for path in postings:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert {row["Bogføringsdato"] for row in csv.DictReader(handle, delimiter=";")} == {"2026-11-01"}


def test_docs_sources_md_matches_the_contracts():
    assert (ROOT / "docs" / "sources.md").read_text(encoding="utf-8") == document(), \
        "docs/sources.md is out of date: run python -m etl.contracts_doc > docs/sources.md"
