"""KPI math on the hand-made scenario; every expected value comes from the scenario's stated rows."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from data_access.scope import AccessDenied, Role
from data_access.warehouse import check_aggregate_only
from data_access.warehouse_schema import fact_grant
from kpi.catalogue import KPI_FILE, CatalogueError, load_catalogue
from kpi.compiler import compile_values
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from kpi.targets import Status, Target, status

from . import scenario as s
from .helpers import scope

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


@pytest.fixture
def engine(small) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), small.warehouse)


def placed_rate(municipality: int, month: int) -> float:
    return s.PLACED[(municipality, month)] / s.POPULATION_0_22[municipality] * 1000


def test_placement_rate_per_municipality_and_month(engine):
    values = engine.values(scope(Role.LEADER), "K-UBU-PLAC-1000", municipalities=[479, 420])
    got = {(r.municipality_code, r.period.month): (r.numerator, r.denominator, r.value) for r in values.itertuples()}
    # 479 in February: A and B placed, 1,250 residents aged 0-22 → 2 / 1,250 × 1,000 = 1.6 per 1,000.
    assert got[(479, 2)] == (2, 1250, pytest.approx(1.6))
    for municipality, month in [(479, 1), (479, 2), (479, 3), (420, 1), (420, 2)]:
        numerator, denominator, value = got[(municipality, month)]
        assert numerator == s.PLACED[(municipality, month)]
        assert denominator == s.POPULATION_0_22[municipality]
        assert value == pytest.approx(placed_rate(municipality, month))
    # 420 in March is hidden from Svendborg (secondary suppression): Svendborg sees the country total of
    # 2 + 5 + 1 = 8 placed and knows its own 2, so with Assens' 5 it would have Middelfart's 1.
    assert all(math.isnan(x) for x in got[(420, 3)])


def test_group_and_country_are_sums_of_numerators_over_sums_of_denominators(engine):
    frame = engine.benchmark(scope(Role.LEADER), "K-UBU-PLAC-1000").set_index("period")
    assert frame.attrs["peers"] == (410, 420)  # configured peers that have data
    for month, period in zip((1, 2, 3), MONTHS, strict=True):
        group = (s.PLACED[(410, month)] + s.PLACED[(420, month)]) / (2000 + 500) * 1000
        country = sum(s.PLACED[(m, month)] for m in (479, 420, 410)) / (1250 + 500 + 2000) * 1000
        assert frame.loc[period, "group_value"] == pytest.approx(group)
        assert frame.loc[period, "country_value"] == pytest.approx(country)
        assert frame.loc[period, "own_value"] == pytest.approx(placed_rate(479, month))
    # In March the pooled group value is (1 + 5) / 2,500 × 1,000 = 2.4; the mean of the two ratios would be 5.25.
    assert frame.loc[MONTHS[2], "group_value"] == pytest.approx(2.4)
    assert frame.loc[MONTHS[2], "group_value"] != pytest.approx((placed_rate(410, 3) + placed_rate(420, 3)) / 2)


def test_small_counts_are_suppressed_for_other_municipalities_only(engine):
    values = engine.values(scope(Role.LEADER), "K-UBU-PLAC-1000", municipalities=[479, 410, 420])
    cell = {(r.municipality_code, r.period.month): r for r in values.itertuples()}
    assert not cell[(479, 1)].suppressed and cell[(479, 1)].numerator == 1  # own: always shown
    assert cell[(410, 3)].suppressed and math.isnan(cell[(410, 3)].value)  # 1 person elsewhere: hidden
    assert not cell[(410, 1)].suppressed and cell[(410, 1)].value == 0  # none is not a disclosure
    assert not cell[(420, 2)].suppressed and cell[(420, 2)].numerator == 5  # five persons: shown
    # A leader in Middelfart sees Svendborg's 1-2 placed children hidden.
    other = engine.values(scope(Role.LEADER, municipality=410), "K-UBU-PLAC-1000", municipalities=[479])
    assert other["suppressed"].all() and other["numerator"].isna().all()


def test_group_values_resting_on_few_persons_are_suppressed(engine):
    frame = engine.benchmark(scope(Role.POLITICIAN, municipality=410), "K-UBU-PLAC-1000").set_index("period")
    # Middelfart's present peers are Assens (5 placed) and Svendborg (1-2): at least 6 persons, shown.
    assert frame.loc[MONTHS[0], "group_numerator"] == 6
    # Middelfart itself, seen by its own politician, is shown even with one placed child.
    assert frame.loc[MONTHS[2], "own_numerator"] == 1


def test_budget_use_year_to_date_against_the_pro_rata_corrected_budget(engine):
    frame = engine.benchmark(scope(Role.LEADER), "K-ECO-BUDGET-USE").set_index("period")
    spent = 0.0
    for month, period in zip((1, 2, 3), MONTHS, strict=True):
        spent += s.SPEND_479[month]
        budget = s.BUDGET_479 * month / 12  # 744,000 corrected budget, one twelfth per month
        assert frame.loc[period, "own_numerator"] == pytest.approx(spent)
        assert frame.loc[period, "own_denominator"] == pytest.approx(budget)
        assert frame.loc[period, "own_value"] == pytest.approx(spent / budget * 100)
    # March: 185,629.03 / 186,000 = 99.80 %.
    assert frame.loc[MONTHS[2], "own_value"] == pytest.approx(99.80055, abs=1e-4)
    group = (s.SPEND_410[3] + sum(s.SPEND_420.values())) / ((s.BUDGET_410 + s.BUDGET_420) * 3 / 12) * 100
    assert frame.loc[MONTHS[2], "group_value"] == pytest.approx(group)


def test_every_kpi_compiles_to_a_query_on_aggregates_only():
    catalogue = load_catalogue()
    for kpi in catalogue.kpis.values():
        check_aggregate_only(compile_values(catalogue, kpi))
    with pytest.raises(AccessDenied):
        check_aggregate_only(select(fact_grant.c.grant_key))


def test_admins_get_no_kpi_figures(engine):
    with pytest.raises(AccessDenied):
        engine.values(scope(Role.ADMIN), "K-UBU-PLAC-1000")


def _broken_catalogue(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(KPI_FILE.read_text(encoding="utf-8"))
    change(document["kpis"][0])
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda k: k["numerator"].update(fact="nothing"), "ukendt fakta 'nothing'"),
    (lambda k: k["numerator"]["where"].update(provider="x"), "filtrerer på provider"),
    (lambda k: k["denominator"].update(measure="money"), "ukendt mål 'money'"),
    (lambda k: k.pop("unit"), "mangler unit"),
    (lambda k: k.update(direction="up"), "ukendt retning 'up'"),
    (lambda k: k.update(dimensions=["shoe_size"]), "ukendte dimensioner shoe_size"),
    (lambda k: k.update(granularity="week"), "granularity skal være en af month, quarter, year"),
])
def test_catalogue_mistakes_are_named(tmp_path, change, message):
    with pytest.raises(CatalogueError, match=message) as error:
        load_catalogue(_broken_catalogue(tmp_path, change))
    assert "K-UBU-PLAC-1000" in str(error.value)


@pytest.mark.parametrize(("comparison", "target", "actual", "expected"), [
    ("at_most", 7.5, 7.4, Status.ON_TRACK),
    ("at_most", 7.5, 7.8, Status.AT_RISK),  # 0.3 over, within 5 % (0.375)
    ("at_most", 7.5, 8.0, Status.OFF_TRACK),
    ("at_least", 80.0, 81.0, Status.ON_TRACK),
    ("at_least", 80.0, 77.0, Status.AT_RISK),  # 3 under, within 4
    ("at_least", 80.0, 70.0, Status.OFF_TRACK),
    ("around", 100.0, 102.9, Status.ON_TRACK),  # the KPI's band is 97-103
    ("around", 100.0, 108.0, Status.AT_RISK),  # within one band width (6) beyond it
    ("around", 100.0, 91.0, Status.AT_RISK),  # exactly one band width below: still at risk
    ("around", 100.0, 90.0, Status.OFF_TRACK),
])
def test_target_status_honours_the_comparison(comparison, target, actual, expected):
    kpi = load_catalogue().kpi("K-ECO-BUDGET-USE")
    assert status(kpi, Target(479, kpi.id, 2026, target, comparison), actual) is expected


@pytest.mark.parametrize("granularity", ["quarter", "year"])
def test_a_quarter_or_year_benchmark_pools_every_member_and_month(engine, granularity):
    # K-UBU-PLAC-1000 averages both sides over the period's months (placed children and residents are stocks);
    # the scenario has January-March 2026 only, so Q1 and the year 2026 are the same three months.
    # Placed per month: 479 1, 2, 2; 420 5, 5, 5; 410 0, 0, 1. Residents 0-22: 1,250, 500 and 2,000.
    frame = engine.benchmark(scope(Role.LEADER), "K-UBU-PLAC-1000", granularity=granularity).set_index("period")
    assert list(frame.index) == [date(2026, 1, 1)] and frame.attrs["granularity"] == granularity
    row = frame.loc[date(2026, 1, 1)]
    # Own: (1 + 2 + 2) / 3 = 5/3 placed on average over 1,250 → 5/3 / 1,250 × 1,000 = 4/3 per 1,000.
    assert (row.own_numerator, row.own_denominator) == (pytest.approx(5 / 3), 1250)
    assert row.own_value == pytest.approx(4 / 3)
    # Group 410 + 420: (0 + 0 + 1) / 3 + (5 + 5 + 5) / 3 = 16/3 over 2,000 + 500 = 2,500 → 16/3 / 2,500 × 1,000
    # = 32/15 ≈ 2.133. The mean of the members' ratios would be (1/6 + 10) / 2 ≈ 5.08.
    assert (row.group_numerator, row.group_denominator) == (pytest.approx(16 / 3), 2500)
    assert row.group_value == pytest.approx(32 / 15)
    # Region and country (only these three have figures): (5 + 15 + 1) / 3 = 7 over 3,750 → 28/15 ≈ 1.867.
    for series in ("region", "country"):
        assert getattr(row, f"{series}_numerator") == pytest.approx(7)
        assert getattr(row, f"{series}_denominator") == 3750
        assert getattr(row, f"{series}_value") == pytest.approx(28 / 15)


def test_a_quarter_total_is_hidden_when_one_of_its_months_is(engine):
    # Svendborg's leader looking at Middelfart (410). By month, Middelfart's group (Assens 5 + Svendborg 2 in
    # March) holds Assens' March cell, hidden from Svendborg, so the group's March total is hidden; January
    # and February show. Q1's group total, (6 + 7 + 7) / 3 ≈ 6.7 persons, is not small, but Q1 minus the two
    # shown months would give March: hidden. Middelfart's own quarter, (0 + 0 + 1) / 3 = 1/3 placed on
    # average, rests on too few persons and holds the hidden March: hidden. Region and country show, as in
    # every month: the Q1 numerator is (6 + 7 + 8) / 3 = 7.
    user = scope(Role.LEADER)
    monthly = engine.benchmark(user, "K-UBU-PLAC-1000", municipality=410).set_index("period")
    assert monthly["group_value"].isna().tolist() == [False, False, True]
    row = engine.benchmark(user, "K-UBU-PLAC-1000", municipality=410, granularity="quarter").iloc[0]
    assert math.isnan(row.group_value) and math.isnan(row.group_numerator)
    assert math.isnan(row.own_value)
    assert row.region_numerator == pytest.approx(7) and row.country_numerator == pytest.approx(7)
    # Middelfart's own leader always sees Middelfart's own 1/3.
    own = engine.benchmark(scope(Role.LEADER, municipality=410), "K-UBU-PLAC-1000", granularity="quarter").iloc[0]
    assert own.own_numerator == pytest.approx(1 / 3)
