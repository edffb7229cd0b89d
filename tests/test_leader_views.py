"""The leader's KPI views on the demo warehouse: rights called on kpi/ and data_access/ as each role, the figures
the pages build on against plain SQL, and the pages themselves through Streamlit's AppTest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.notes import add_note
from data_access.scope import AccessDenied, Role
from kpi.catalogue import load_catalogue
from kpi.decompose import decompose
from kpi.engine import KpiEngine
from kpi.geography import municipality_points
from kpi.groups import load_groups
from kpi.node import PathError
from kpi.trace import trace
from locale_da import number
from ui.analysis import analysed_period, periods_between, tile, verdict

from .helpers import scope

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OCTOBER = date(2026, 10, 1)
PLACED = "K-UBU-PLAC-1000"
LEADER = scope(Role.LEADER, 479, username="leder")
NYBORG = 450


@pytest.fixture(scope="module")
def engine(demo):
    return KpiEngine(load_catalogue(), load_groups(), demo.warehouse)


def test_a_leader_is_refused_the_rows_behind_another_municipalitys_figure(engine, demo):
    with pytest.raises(AccessDenied, match="egen kommune"):
        trace(engine, LEADER, PLACED, NYBORG, OCTOBER, "month", appstate=demo.appstate)
    # The own municipality's rows come back, and re-aggregate to the figure.
    own = trace(engine, LEADER, PLACED, 479, OCTOBER, "month", appstate=demo.appstate)
    assert own.numerator.matches and own.denominator.matches


def test_a_leader_cannot_split_another_municipality_below_its_aggregates(engine, demo):
    offered = {name for name, _ in decompose(engine, LEADER, PLACED, NYBORG, OCTOBER, "month", (), "sex",
                                             appstate=demo.appstate).available}
    assert not {"provider", "caseworker", "unit"} & offered
    with pytest.raises(PathError):
        decompose(engine, LEADER, PLACED, NYBORG, OCTOBER, "month", (), "provider", appstate=demo.appstate)
    # Asking along a path past the menu does not help: data_access refuses the person-level read itself.
    with pytest.raises(AccessDenied):
        decompose(engine, LEADER, PLACED, NYBORG, OCTOBER, "month", [("provider", "x")], "sex",
                  appstate=demo.appstate)
    own = {name for name, _ in decompose(engine, LEADER, PLACED, 479, OCTOBER, "month", (), "sex",
                                         appstate=demo.appstate).available}
    assert {"provider", "caseworker", "unit"} <= own


@pytest.mark.parametrize("who", [scope(Role.POLITICIAN, 479), scope(Role.CASEWORKER, 479, "479:AZ47901")])
def test_politicians_and_caseworkers_get_no_rows_or_person_level_splits_for_the_leaders_tree(engine, demo, who):
    with pytest.raises(AccessDenied):
        decompose(engine, who, PLACED, 479, OCTOBER, "month", [("provider", "x")], "sex", appstate=demo.appstate)
    if who.role is Role.POLITICIAN:
        with pytest.raises(AccessDenied):
            trace(engine, who, PLACED, 479, OCTOBER, "month", appstate=demo.appstate)


def test_the_map_has_all_98_municipalities_at_their_own_points(engine):
    points = municipality_points(engine.warehouse, LEADER)
    assert len(points) == 98 and points["municipality_code"].is_unique
    assert points["latitude"].between(54.5, 57.8).all() and points["longitude"].between(8.0, 15.2).all()
    svendborg = points.set_index("municipality_code").loc[479]
    assert (svendborg["name"], svendborg["latitude"], svendborg["longitude"]) == ("Svendborg", 55.08, 10.61)


def test_a_tile_holds_the_latest_month_against_plain_sql(engine, demo):
    frame = engine.benchmark(LEADER, PLACED, 479, date(2025, 11, 1), OCTOBER)
    found = tile(engine.kpi(PLACED), frame)
    placed = demo.warehouse.query(text(
        "SELECT sum(persons) FROM agg_persons_month WHERE paying_municipality_code = 479 AND month = DATE "
        "'2026-10-01' AND measure_group = 'placement' AND age BETWEEN 0 AND 22")).iloc[0, 0]
    residents = demo.warehouse.query(text(
        "SELECT sum(persons) FROM agg_population_month WHERE municipality_code = 479 AND month = DATE '2026-10-01' "
        "AND age BETWEEN 0 AND 22")).iloc[0, 0]
    assert found.period == OCTOBER
    assert found.own == pytest.approx(placed * 1000 / residents)
    assert len(found.trend) == 12
    assert found.verdict is None  # the KPI is neutral: more or fewer placed is not better or worse in itself


def test_the_verdict_follows_the_kpis_direction_and_rounding(engine):
    lower = engine.kpi("K-UBU-PLAC-DI-SHARE")  # lower is better, one decimal
    higher = engine.kpi("K-UBU-PLAC-PF-SHARE")
    band = engine.kpi("K-ECO-BUDGET-USE")
    assert verdict(lower, 40.0, 43.4) == "better" and verdict(lower, 43.4, 40.0) == "worse"
    assert verdict(higher, 44.9, 58.9) == "worse" and verdict(higher, 58.9, 44.9) == "better"
    assert verdict(higher, 44.94, 44.91) == "level"  # both show as 44,9
    low, high = band.target_band
    assert verdict(band, (low + high) / 2, None) == "inside" and verdict(band, high + 1, None) == "outside"


@pytest.mark.parametrize(("granularity", "end", "expected"), [
    ("month", date(2026, 10, 1), date(2026, 10, 1)),
    ("quarter", date(2026, 10, 1), date(2026, 7, 1)),  # Q4 has only October: the last whole quarter is Q3
    ("quarter", date(2026, 9, 1), date(2026, 7, 1)),
    ("year", date(2026, 10, 1), date(2025, 1, 1)),
])
def test_the_analysed_period_is_the_last_whole_one(engine, granularity, end, expected):
    kpi = next(k for k in engine.catalogue.kpis.values() if k.granularity == granularity)
    assert analysed_period(kpi, date(2024, 11, 1), end) == (expected, granularity)


def test_a_note_counts_for_every_period_it_overlaps():
    assert periods_between(date(2026, 9, 1), date(2026, 10, 1)) == ["2026", "2026-09", "2026-10", "2026-Q3",
                                                                     "2026-Q4"]


@pytest.fixture
def leader_app(demo, use_installation):
    use_installation(demo)

    def signed_in(link: dict | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        at.query_params.update(link or {})
        at.run()
        at.text_input[0].input("leder")
        at.text_input[1].input("demo-leder")
        at.button[0].click().run()
        at.run()
        assert not at.exception, at.exception
        return at
    return signed_in


def test_the_overview_badges_notes_and_narrows_to_an_area(leader_app, demo):
    add_note(LEADER, "K-DQ-LATE", "2026-09", "Sagsbehandlerne registrerede sent i september.", demo.appstate)
    at = leader_app()
    labels = {m.label for m in at.metric}
    assert "Bevillinger registreret for sent" in labels and "Anbragte pr. 1.000 0-22-årige" in labels
    assert any("1 note]" in m.value for m in at.markdown)  # st.badge draws markdown: :violet-badge[… 1 note]
    at = leader_app({"omraade": "Datakvalitet"})  # a shared link: the URL holds the area's Danish name
    assert {s.value for s in at.subheader} == {"Datakvalitet"}
    assert {m.label for m in at.metric} == {"Bevillinger med manglende oplysninger", "Bevillinger registreret for sent"}


def test_the_analysis_of_another_municipality_shows_aggregates_but_no_notes_or_rows(leader_app, engine):
    at = leader_app({"kommune": "Nyborg"})
    at.query_params["noegletal"] = PLACED
    at.switch_page("pages/leader_analysis.py").run()
    assert not at.exception, at.exception
    latest = engine.benchmark(LEADER, PLACED, NYBORG).dropna(subset=["own_value"]).iloc[-1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nyborg"] == f"{number(latest['own_value'], 1)} pr. 1.000"
    text_shown = " ".join(c.value for c in at.caption) + " ".join(i.value for i in at.info)
    assert "Noter vises kun for din egen kommune." in text_shown
    assert "Rækkerne bag tallene kan kun ses for din egen kommune." in text_shown
    assert not [b for b in at.button if b.label == "Vis rækkerne bag tallet"]


def test_the_analysis_draws_own_group_and_country_by_quarter_or_year(leader_app, engine):
    """The period length over the chart: the sidebar's 24 months (November 2024 - October 2026) by whole quarter,
    from the one holding November 2024 to the third of 2026 (October 2026 alone is no quarter), or by whole year,
    from 2024 (holding November 2024) to 2025 (2026 is not over). The headline stays the latest month."""
    at = leader_app()
    at.query_params["noegletal"] = PLACED
    at.switch_page("pages/leader_analysis.py").run()
    monthly = engine.benchmark(LEADER, PLACED, 479, date(2024, 11, 1), OCTOBER)
    assert at.radio(key="timeline_granularity").value == "month"
    assert at.dataframe[0].value["Måned"].tolist()[:2] == ["oktober 2026", "september 2026"]
    quarters = [f"{q}. kvartal {y}" for y, q in [(2024, 4), *((2025, q) for q in range(1, 5)), (2026, 1), (2026, 2),
                                                 (2026, 3)]]
    for granularity, column, first, last, shown in (
            ("quarter", "Kvartal", date(2024, 10, 1), date(2026, 9, 1), quarters[::-1]),
            ("year", "År", date(2024, 1, 1), date(2025, 12, 1), ["2025", "2024"])):
        at.radio(key="timeline_granularity").set_value(granularity).run()
        assert not at.exception, at.exception
        expected = engine.benchmark(LEADER, PLACED, 479, first, last, granularity=granularity).iloc[::-1]
        table = at.dataframe[0].value
        assert table[column].tolist() == shown
        assert table["Svendborg"].tolist() == pytest.approx(expected["own_value"].tolist())
        assert table[table.columns[4]].tolist() == pytest.approx(expected["group_value"].tolist(), nan_ok=True)
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Svendborg"] == f"{number(monthly['own_value'].iloc[-1], 1)} pr. 1.000"
