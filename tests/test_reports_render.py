"""Reports rendered from the demo warehouse to PDF, Excel and CSV, checked against the KPI engine."""

from __future__ import annotations

import ast
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from data_access.notes import add_note, notes
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine, period_label
from kpi.groups import load_groups
from locale_da import number
from reports.definition import checked, new_definition
from reports.formats import csv, excel, render_file
from reports.library import resolve
from reports.render import render

from .helpers import scope
from .test_architecture import connection_calls, imported_modules, sql_in_strings

LEADER = scope(Role.LEADER, 479, username="render_leader")
REPORTS_PACKAGE = Path(__file__).resolve().parent.parent / "reports"


@pytest.fixture(scope="module")
def engine(demo):
    return KpiEngine(load_catalogue(), load_groups(), demo.warehouse)


def sheets(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_a_benchmark_report_in_excel_holds_the_engines_figures_as_numbers(demo, engine):
    definition = checked(new_definition("benchmark", ["K-UBU-PLAC-1000", "K-ECO-BUDGET-USE"], last_months=6),
                         engine.catalogue)
    report = render(definition, LEADER, "Test", engine, demo.appstate)
    assert report.period == "maj 2026 – oktober 2026" and report.data_as_of == date(2026, 11, 1)
    book = sheets(excel(report))
    # Notes other tests wrote on these figures in the shared demo store come along on a sheet of their own.
    written = notes(LEADER, definition["kpis"], [f"2026-{month:02d}" for month in range(5, 11)],
                    appstate=demo.appstate)
    assert list(book) == ["Om rapporten", "1 Anbragte pr. 1.000 0-22-årige", "2 Budgetforbrug, det specialise",
                          *(["Bemærkninger"] if len(written) else [])]
    remarks = " ".join(str(row[0]) for row in book.get("Bemærkninger", []))
    assert all(text in remarks for text in written["text"])
    assert ("Data pr.", "1. november 2026") in book["Om rapporten"]
    for sheet, kpi_id in zip(list(book)[1:3], definition["kpis"], strict=True):
        expected = engine.benchmark(LEADER, kpi_id, 479, date(2026, 5, 1), date(2026, 10, 1))
        header, *rows = book[sheet]
        assert header[0] == "Periode" and header[3] == "Svendborg" and header[4].startswith("Sammenligningskommuner")
        assert [r[0] for r in rows] == ["maj 2026", "juni 2026", "juli 2026", "august 2026", "september 2026",
                                        "oktober 2026"]
        assert [r[3] for r in rows] == pytest.approx(expected["own_value"].tolist())
        assert [r[4] for r in rows] == pytest.approx(expected["group_value"].tolist())
        assert [r[5] for r in rows] == pytest.approx(expected["country_value"].tolist())
        assert all(isinstance(r[3], float) for r in rows)


def test_an_analysis_report_splits_the_own_figures_so_that_they_add_up(demo, engine):
    report = render(resolve(LEADER, "standard:children-analysis").definition, LEADER, "Analyse", engine,
                    demo.appstate)
    assert [t.title for t in report.tables] == ["Anbragte pr. 1.000 0-22-årige (pr. 1.000) efter aldersgruppe",
                                                "Anbragte pr. 1.000 0-22-årige (pr. 1.000) efter køn"]
    assert report.period == "4. kvartal 2025 – 3. kvartal 2026"  # whole quarters only: October alone is not one
    own = engine.values(LEADER, "K-UBU-PLAC-1000", [479], date(2025, 10, 1), date(2026, 9, 1), "quarter")
    for table in report.tables:
        totals = table.frame.groupby("Periode", sort=False)[["Tæller", "Nævner"]].sum()
        assert totals["Tæller"].tolist() == pytest.approx(own["numerator"].tolist())
        assert totals["Nævner"].tolist() == pytest.approx(own["denominator"].tolist())


def test_the_pdf_is_danish_names_its_data_date_and_shows_the_engines_figures(demo, engine):
    definition = checked(new_definition("benchmark", ["K-UBU-PLAC-1000"], last_months=3), engine.catalogue)
    add_note(LEADER, "K-UBU-PLAC-1000", "2026-09", "Tre søskende anbragt på én gang.", appstate=demo.appstate)
    report = render(definition, LEADER, "Anbringelser på én side", engine, demo.appstate)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_file(report, "pdf"))).pages)
    assert "Anbringelser på én side" in text
    assert "Benchmarkrapport for Svendborg Kommune, august 2026 – oktober 2026. Data pr. 1. november 2026." in text
    assert "2026-09: Tre søskende anbragt på én gang." in text
    expected = engine.benchmark(LEADER, "K-UBU-PLAC-1000", 479, date(2026, 8, 1), date(2026, 10, 1))
    lines = text.splitlines()
    for month, row in zip(("august 2026", "september 2026", "oktober 2026"), expected.itertuples(), strict=True):
        at = lines.index(month)
        assert lines[at + 3:at + 6] == [number(row.own_value, 1), number(row.group_value, 1),
                                        number(row.country_value, 1)]


def test_the_csv_stacks_every_table_with_its_name(demo, engine):
    report = render(resolve(LEADER, "standard:adults-benchmark").definition, LEADER, "Voksne", engine, demo.appstate)
    frame = pd.read_csv(io.BytesIO(csv(report)), sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["Tabel"].unique().tolist() == [t.title for t in report.tables]
    first = report.tables[0].frame
    shown = frame[frame["Tabel"] == report.tables[0].title]
    assert shown["Svendborg"].tolist() == pytest.approx(first["Svendborg"].tolist())


def test_another_municipalitys_small_figures_stay_hidden_in_a_report(demo, engine):
    """A leader benchmarking another municipality gets the engine's disclosure control, not more."""
    definition = checked(new_definition("benchmark", ["K-UBU-PLAC-NET"], municipality=461), engine.catalogue)
    report = render(definition, LEADER, "Odense", engine, demo.appstate)
    expected = engine.benchmark(LEADER, "K-UBU-PLAC-NET", 461, *_months(report))
    shown = report.tables[0].frame["Odense"]
    assert shown.isna().tolist() == expected["own_value"].isna().tolist()
    assert shown.tolist() == pytest.approx(expected["own_value"].tolist(), nan_ok=True)


# Two kinds of KPI for the quarter and year benchmarks: K-UBU-PLAC-1000 averages both sides over a period's months
# (placed children and residents are stocks), K-UBU-NOTIF sums its notifications (a flow) over the averaged
# residents aged 0-17.
HOW_MONTHS_COMBINE = {"K-UBU-PLAC-1000": ("mean", "mean"), "K-UBU-NOTIF": ("sum", "mean")}


def by_hand(engine, kpi_id: str, first: date, last: date, granularity: str) -> pd.DataFrame:
    """Svendborg's own figures per quarter or year, worked out here from its monthly numerators and denominators
    (``engine.values`` by month), not by the engine's own quarters: a flow's months summed, a stock's averaged."""
    monthly = engine.values(LEADER, kpi_id, [479], first, last)
    periods = [date(p.year, 1 if granularity == "year" else (p.month - 1) // 3 * 3 + 1, 1) for p in monthly["period"]]
    numerator, denominator = HOW_MONTHS_COMBINE[kpi_id]
    sides = monthly.groupby(periods).agg(numerator=("numerator", numerator), denominator=("denominator", denominator),
                                         months=("period", "size"))
    assert (sides["months"] == (3 if granularity == "quarter" else 12)).all()  # whole periods only
    sides["value"] = sides["numerator"] * engine.kpi(kpi_id).scale / sides["denominator"]
    return sides


@pytest.mark.parametrize(("granularity", "filters", "first", "last", "shown"), [
    # The last 12 months, November 2025 - October 2026, as whole quarters: the one holding November (October-
    # December 2025) to the third quarter of 2026; October 2026 alone is not a quarter.
    ("quarter", {"last_months": 12}, date(2025, 10, 1), date(2026, 9, 1),
     ["4. kvartal 2025", "1. kvartal 2026", "2. kvartal 2026", "3. kvartal 2026"]),
    # Everything the demo has, November 2023 - October 2026, as whole years: 2023 began before the first month
    # with data and 2026 is not over, so 2024 and 2025.
    ("year", {"last_months": None, "period_from": "2023-11", "period_to": "2026-10"}, date(2024, 1, 1),
     date(2025, 12, 1), ["2024", "2025"]),
])
def test_a_benchmark_report_by_quarter_or_year_shows_whole_periods_with_the_engines_figures(
        demo, engine, granularity, filters, first, last, shown):
    assert engine.months_covered(LEADER) == (date(2023, 11, 1), date(2026, 10, 1))
    definition = checked(new_definition("benchmark", list(HOW_MONTHS_COMBINE), granularity=granularity, **filters),
                         engine.catalogue)
    report = render(definition, LEADER, "Kvartaler og år", engine, demo.appstate)
    assert report.period == f"{shown[0]} – {shown[-1]}" and not report.remarks
    for table, kpi_id in zip(report.tables, HOW_MONTHS_COMBINE, strict=True):
        frame = table.frame
        assert frame["Periode"].tolist() == shown
        expected = engine.benchmark(LEADER, kpi_id, 479, first, last, granularity=granularity)
        assert expected.attrs["granularity"] == granularity and len(expected) == len(shown)
        for column, series in (("Tæller, Svendborg", "own_numerator"), ("Nævner, Svendborg", "own_denominator"),
                               ("Svendborg", "own_value"), (frame.columns[4], "group_value"),
                               (frame.columns[5], "country_value")):
            assert frame[column].tolist() == pytest.approx(expected[series].tolist(), nan_ok=True)
        # The own municipality's figures again, from the months, independently of the engine's quarters and years.
        hand = by_hand(engine, kpi_id, first, last, granularity)
        assert frame["Tæller, Svendborg"].tolist() == pytest.approx(hand["numerator"].tolist())
        assert frame["Nævner, Svendborg"].tolist() == pytest.approx(hand["denominator"].tolist())
        assert frame["Svendborg"].tolist() == pytest.approx(hand["value"].tolist())
        assert frame["Svendborg"].notna().all() and frame[frame.columns[5]].notna().any()
        assert table.periods == [period_label(p, granularity) for p in expected["period"]]


def test_a_quarterly_benchmark_report_renders_to_excel_pdf_and_csv(demo, engine):
    definition = checked(new_definition("benchmark", ["K-UBU-NOTIF"], last_months=12, granularity="quarter"),
                         engine.catalogue)
    report = render(definition, LEADER, "Underretninger pr. kvartal", engine, demo.appstate)
    quarters = ["4. kvartal 2025", "1. kvartal 2026", "2. kvartal 2026", "3. kvartal 2026"]
    expected = engine.benchmark(LEADER, "K-UBU-NOTIF", 479, date(2025, 10, 1), date(2026, 9, 1), granularity="quarter")

    book = sheets(excel(report))
    assert ("Periode", "4. kvartal 2025 – 3. kvartal 2026") in book["Om rapporten"]
    header, *rows = book["1 Underretninger pr. 1.000 0-17"]
    assert header[0] == "Periode" and header[3] == "Svendborg"
    assert [r[0] for r in rows] == quarters
    assert [r[3] for r in rows] == pytest.approx(expected["own_value"].tolist())
    assert all(isinstance(r[3], float) for r in rows)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_file(report, "pdf"))).pages)
    assert "Benchmarkrapport for Svendborg Kommune, 4. kvartal 2025 – 3. kvartal 2026." in text
    lines = text.splitlines()
    for quarter, row in zip(quarters, expected.itertuples(), strict=True):
        at = lines.index(quarter)
        assert lines[at + 3] == number(row.own_value, 1)

    frame = pd.read_csv(io.BytesIO(csv(report)), sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["Periode"].tolist() == quarters
    assert frame["Svendborg"].tolist() == pytest.approx(expected["own_value"].tolist(), abs=1e-9)


def _months(report) -> tuple[date, date]:
    first, last = (report.tables[0].periods[0], report.tables[0].periods[-1])
    return date.fromisoformat(first + "-01"), date.fromisoformat(last + "-01")


@pytest.mark.parametrize("path", sorted(REPORTS_PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_the_reports_package_opens_no_connection_and_writes_no_sql(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not imported_modules(tree) & {"duckdb", "sqlalchemy", "sqlite3", "psycopg"}
    assert sql_in_strings(tree) == [] and connection_calls(tree) == []
    assert not re.search(r"\bfrom data_access\.warehouse_schema\b", path.read_text(encoding="utf-8"))
