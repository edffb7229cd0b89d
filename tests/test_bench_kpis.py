"""The KPI bench's own logic: the hand-written SQL it compares the engine with, and its comparison."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from bench import kpis, national
from kpi.catalogue import load_catalogue


def frame(rows):
    return pd.DataFrame(rows, columns=["municipality_code", "period", "numerator", "denominator", "value"])


def test_rows_one_side_lacks_count_as_zero():
    engine = frame([(101, date(2026, 1, 1), 3.0, 100.0, 30.0), (147, date(2026, 1, 1), 0.0, 0.0, None)])
    hand = frame([(101, pd.Timestamp("2026-01-01"), 3, 100, 30.0)])
    assert kpis.same_numbers(engine, hand)["differences"] == 0


def test_a_different_figure_is_reported():
    engine = frame([(101, date(2026, 1, 1), 3.0, 100.0, 30.0), (147, date(2026, 1, 1), 1.0, 0.0, None)])
    hand = frame([(101, date(2026, 1, 1), 3.0, 100.0, 30.0)])
    check = kpis.same_numbers(engine, hand)
    assert check["differences"] == 1 and check["example"][0]["municipality_code"] == "147"
    assert kpis.same_numbers(hand, engine, only_left=True)["differences"] == 0


def test_handwritten_sql_gives_the_definition_s_numbers():
    catalogue = load_catalogue()
    connection = duckdb.connect()
    connection.execute("CREATE TABLE agg_persons_month AS SELECT * FROM (VALUES "
                       "(DATE '2026-01-01', 101, 101, 'placement', 10, 2, 62), "
                       "(DATE '2026-01-01', 101, 101, 'placement', 30, 5, 155), "
                       "(DATE '2026-02-01', 147, 101, 'placement', 5, 1, 28)) "
                       "t(month, paying_municipality_code, acting_municipality_code, measure_group, age, persons, "
                       "person_days)")
    connection.execute("CREATE TABLE agg_population_month AS SELECT * FROM (VALUES "
                       "(DATE '2026-01-01', 101, 10, 'K', 400), (DATE '2026-01-01', 101, 40, 'M', 1000)) "
                       "t(month, municipality_code, age, sex, persons)")
    rows = connection.execute(kpis.handwritten_sql(catalogue, catalogue.kpi("K-UBU-PLAC-1000"))
                              + " ORDER BY municipality_code").fetchall()
    assert rows == [(101, date(2026, 1, 1), 2, 400, 5.0), (147, date(2026, 2, 1), 1, 0, None)]
    full_year = kpis.handwritten_sql(catalogue, catalogue.kpi("K-ECO-HY-TOTAL"))
    assert "sum(person_days) / day(last_day(month))" in full_year
    assert "FROM agg_population_month GROUP BY ALL" in full_year


def test_a_target_not_measured_is_neither_met_nor_missed():
    results = {"kpis": {"max_median_ms": 120.0, "max_ratio": 1.8, "decomposition_max_median_ms": None}}
    verdicts = national.verdicts(results, kpis.TARGETS)
    assert [v["met"] for v in verdicts] == [True, False, None]
    assert national.verdict_lines(verdicts)[2].startswith("IKKE MÅLT")


def test_the_headline_gives_the_new_viewer_s_ratio_beside_the_kept_one():
    def entry(ratio, new_viewer_ratio):
        timing = {"median_ms": 10.0, "p95_ms": 12.0}
        return {"engine": timing, "engine_new_viewer": timing, "engine_sql": timing, "handwritten": timing,
                "ratio": ratio, "new_viewer_ratio": new_viewer_ratio,
                "check": {"differences": 0, "shown_differences": 0}}

    result = {"values": {"K-A": entry(1.1, 1.4), "K-B": entry(1.3, 2.6)}, "pandas": {},
              "decomposition": {"measured": False, "reason": "ikke valgt"}}
    result.update(kpis.headline(result))
    assert (result["max_ratio"], result["within_ratio_target"]) == (1.3, 2)
    assert (result["new_viewer_max_ratio"], result["new_viewer_within_ratio_target"]) == (2.6, 1)
    lines = kpis.report_lines(result)
    assert "1.30× (ny seer   10.0 ms: 2.60×)" in lines[1]
    assert any(line.startswith("For en seer, motoren ikke har regnet afsløringskontrol for endnu: største forhold "
                               "2.6×; 1 af 2") for line in lines)
