"""The leader's operations pages: providers, fact-based budget, effect and registration practice.

Figures are checked against plain SQL and pandas on the demo warehouse and against the KPI engine;
rights are checked by calling data_access directly as every role.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from data_access import budget, effect, providers, registration
from data_access.appstate import audit_log
from data_access.scope import AccessDenied, Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import kroner, percent

from .helpers import scope

LEADER = scope(Role.LEADER, 479, username="leder-drift")
START, END = date(2025, 1, 1), date(2025, 12, 1)
LATEST = date(2026, 10, 1)
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def sql(installation, statement: str) -> pd.DataFrame:
    return installation.warehouse.query(text(statement))


def engine(installation) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), installation.warehouse)


def kpi_sums(installation, kpi_id: str, start: date, end: date) -> tuple[float, float]:
    frame = engine(installation).values(LEADER, kpi_id, [479], start, end)
    return float(frame["numerator"].sum()), float(frame["denominator"].sum())


def audited(installation, username: str) -> list[str]:
    with installation.appstate.engine.connect() as connection:
        rows = connection.execute(select(audit_log.c.action).where(audit_log.c.username == username)).all()
    return [row[0] for row in rows]


# --- Providers and units --------------------------------------------------------------------------------


def test_provider_figures_are_the_facts_summed_by_provider(demo):
    frame = providers.comparison(LEADER, 479, START, END, "provider", None, demo.warehouse, demo.appstate)
    expected = sql(demo, """
        WITH persons AS (
            SELECT coalesce(provider_key, '-') AS key, count(DISTINCT citizen_key) AS citizens,
                   sum(days_active) AS person_days
            FROM fact_person_month
            WHERE paying_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
            GROUP BY ALL),
        paid AS (
            SELECT coalesce(g.provider_key, '-') AS key, sum(p.amount) AS spend
            FROM fact_payment p JOIN fact_grant g USING (grant_key)
            WHERE p.municipality_code = 479 AND p.period_month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
            GROUP BY ALL)
        SELECT key, coalesce(citizens, 0) AS citizens, coalesce(person_days, 0) / 365.0 AS full_year_persons,
               coalesce(spend, 0) AS spend
        FROM persons FULL JOIN paid USING (key)""").set_index("key").sort_index()
    shown = frame.assign(key=frame["key"].fillna("-")).set_index("key").sort_index()
    assert list(shown.index) == list(expected.index)
    assert shown["citizens"].tolist() == expected["citizens"].tolist()
    assert np.allclose(shown["full_year_persons"], expected["full_year_persons"])
    assert np.allclose(shown["spend"], expected["spend"].astype(float))
    with_people = shown["full_year_persons"] > 0
    assert np.allclose(shown.loc[with_people, "price_per_full_year_person"],
                       expected.loc[with_people, "spend"].astype(float) / expected.loc[with_people,
                                                                                      "full_year_persons"])
    assert shown.loc["-", "label"] == "Uden leverandør"
    assert frame["spend"].is_monotonic_decreasing  # largest first
    assert frame.attrs["citizens"] == sql(demo, """
        SELECT count(DISTINCT citizen_key) FROM fact_person_month
        WHERE paying_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'""").iloc[0, 0]


def test_full_year_persons_add_up_to_the_kpi_in_every_grouping(demo):
    year = engine(demo).values(LEADER, "K-ECO-HY-TOTAL", [479], START, END, "year").iloc[0]
    for by in providers.GROUPINGS:
        frame = providers.comparison(LEADER, 479, START, END, by, None, demo.warehouse, demo.appstate)
        assert frame["full_year_persons"].sum() == pytest.approx(year["value"]), by


def test_provider_effect_is_the_average_change_and_hidden_under_five(demo):
    frame = providers.comparison(LEADER, 479, START, END, "provider", None, demo.warehouse, demo.appstate)
    expected = sql(demo, """
        SELECT coalesce(provider_key, '-') AS key, sum(citizens) AS citizens, sum(score_change) AS change
        FROM agg_effect_month
        WHERE paying_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
          AND instrument = 'TRIVSEL' AND horizon_months = 6
        GROUP BY ALL""").set_index("key")
    shown = frame.assign(key=frame["key"].fillna("-")).set_index("key")
    measured = shown.loc[expected.index]
    assert measured["TRIVSEL_6_citizens"].tolist() == expected["citizens"].astype(float).tolist()
    enough = expected["citizens"] >= 5
    assert enough.any() and (~enough).any()  # both kinds occur, so the test means something
    assert np.allclose(measured.loc[enough, "TRIVSEL_6_change"],
                       expected.loc[enough, "change"] / expected.loc[enough, "citizens"])
    assert measured.loc[~enough, "TRIVSEL_6_change"].isna().all()


# --- Fact-based budget ------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [LATEST, date(2026, 6, 1)])
def test_budget_per_function_adds_up_to_the_three_budget_kpis(demo, month):
    lines = budget.by_function(LEADER, 479, month, None, demo.warehouse)
    kpis = {k: engine(demo).values(LEADER, k, [479], month, month).iloc[0]["value"]
            for k in ("K-ECO-DISPOSED", "K-ECO-FORECAST-USE", "K-ECO-OVERUNDER")}
    assert lines["committed"].sum() == pytest.approx(kpis["K-ECO-DISPOSED"], abs=0.01)
    assert 100 * lines["forecast"].sum() / lines["budget"].sum() == pytest.approx(kpis["K-ECO-FORECAST-USE"])
    assert lines["over_budget"].sum() == pytest.approx(kpis["K-ECO-OVERUNDER"], abs=0.01)
    assert np.allclose(lines["forecast"], lines["spent_ytd"] + lines["committed"])
    assert np.allclose(lines["over_budget"], lines["forecast"] - lines["budget"])


def test_budget_lines_are_the_postings_budget_and_dispositions(demo):
    lines = budget.by_function(LEADER, 479, LATEST, None, demo.warehouse).set_index("function_code")
    spent = sql(demo, """SELECT function_code, sum(amount) AS spent FROM fact_payment
                         WHERE municipality_code = 479 AND period_month BETWEEN DATE '2026-01-01' AND DATE '2026-10-01'
                         GROUP BY ALL""").set_index("function_code")["spent"].astype(float)
    budgeted = sql(demo, """SELECT function_code, corrected_budget FROM fact_budget
                            WHERE municipality_code = 479 AND year = 2026""").set_index("function_code")
    assert np.allclose(lines["spent_ytd"], spent.reindex(lines.index).fillna(0))
    assert np.allclose(lines["budget"], budgeted["corrected_budget"].astype(float).reindex(lines.index).fillna(0))
    grants = active_grants(demo, date(2026, 10, 31))
    assert lines["committed"].sum() == pytest.approx(disposition(grants, date(2026, 12, 31)).sum(), abs=0.01)


def active_grants(installation, day: date) -> pd.DataFrame:
    grants = sql(installation, f"""
        SELECT grant_key, function_code, monthly_cost, start_date, end_date FROM fact_grant
        WHERE paying_municipality_code = 479 AND start_date <= DATE '{day}'
          AND (end_date IS NULL OR end_date > DATE '{day}')""")
    grants["after"] = pd.Timestamp(day)
    return grants


def disposition(grants: pd.DataFrame, until: date) -> pd.Series:
    """By hand: the monthly cost for each day after the month's end up to ``until`` or the grant's end."""
    ends = pd.to_datetime(grants["end_date"]).fillna(pd.Timestamp(until)).clip(upper=pd.Timestamp(until))
    days = (ends - grants["after"]).dt.days.clip(lower=0)
    return (grants["monthly_cost"].astype(float) * days / 30.44).round(2)


def test_the_forecast_path_runs_from_spend_so_far_to_the_years_forecast(demo):
    path = budget.forecast_path(LEADER, 479, LATEST, None, demo.warehouse).set_index("month")
    lines = budget.by_function(LEADER, 479, LATEST, None, demo.warehouse)
    spent_by_month = sql(demo, """
        SELECT period_month AS month, sum(amount) AS amount FROM fact_payment
        WHERE municipality_code = 479 AND period_month BETWEEN DATE '2026-01-01' AND DATE '2026-10-01'
        GROUP BY ALL ORDER BY month""").set_index("month")["amount"].astype(float).cumsum()
    assert np.allclose(path["actual"].iloc[:10], spent_by_month.to_numpy())
    assert path["actual"].iloc[10:].isna().all() and path["forecast"].iloc[:9].isna().all()
    assert path.loc[pd.Timestamp(LATEST), "forecast"] == pytest.approx(lines["spent_ytd"].sum())
    grants = active_grants(demo, date(2026, 10, 31))
    november = lines["spent_ytd"].sum() + disposition(grants, date(2026, 11, 30)).sum()
    assert path.loc[pd.Timestamp("2026-11-01"), "forecast"] == pytest.approx(november, abs=0.01)
    assert path.loc[pd.Timestamp("2026-12-01"), "forecast"] == pytest.approx(lines["forecast"].sum(), abs=0.01)
    assert (path["budget"] == lines["budget"].sum()).all()
    assert path.loc[pd.Timestamp("2026-12-01"), "budget_pro_rata"] == pytest.approx(lines["budget"].sum())


def test_overuse_drivers_are_the_grants_paid_beyond_their_rate(demo):
    drivers = budget.overuse_drivers(LEADER, 479, LATEST, None, 50, demo.warehouse, demo.appstate)
    grants = sql(demo, "SELECT grant_key, monthly_cost, start_date, end_date FROM fact_grant "
                       "WHERE paying_municipality_code = 479")
    paid = sql(demo, """SELECT grant_key, sum(amount) AS paid FROM fact_payment
                        WHERE municipality_code = 479 AND period_month BETWEEN DATE '2026-01-01' AND DATE '2026-10-01'
                        GROUP BY ALL""")
    both = grants.merge(paid, on="grant_key")
    first = pd.to_datetime(both["start_date"]).clip(lower=pd.Timestamp("2026-01-01"))
    last = pd.to_datetime(both["end_date"]).fillna(pd.Timestamp("2026-10-31")).clip(upper=pd.Timestamp("2026-10-31"))
    days = ((last - first).dt.days + 1).clip(lower=0)
    both["over"] = both["paid"].astype(float) - (both["monthly_cost"].astype(float) * days / 30.44).round(2)
    expected = both[both["over"] > 0].sort_values("over", ascending=False).head(50)
    assert len(drivers) == len(expected) > 0
    assert np.allclose(drivers["over_expected"], expected["over"], atol=0.01)
    assert set(drivers["grant_key"]) == set(expected["grant_key"])
    assert {"citizen_name", "masked_cpr", "caseworker_name"} <= set(drivers.columns)
    assert not drivers["masked_cpr"].str.match(r"^\d{10}$").any()


# --- Effect ---------------------------------------------------------------------------------------------


def test_effect_per_measure_type_adds_up_to_the_effect_kpis(demo):
    frame = effect.beside_cost(LEADER, 479, START, END, "measure_group", None, demo.warehouse, demo.appstate)
    for instrument, kpi_prefix in (("TRIVSEL", "K-EFF-WELL"), ("VUM", "K-EFF-VUM")):
        part = frame[frame["instrument"] == instrument]
        for horizon in (6, 12):
            numerator, denominator = kpi_sums(demo, f"{kpi_prefix}-{horizon}", START, END)
            assert part[f"citizens_{horizon}"].sum() == denominator
            shown = part.dropna(subset=[f"change_{horizon}"])
            hidden = part[part[f"change_{horizon}"].isna()]
            assert (hidden[f"citizens_{horizon}"] < 5).all() and (shown[f"citizens_{horizon}"] >= 5).all()
            if len(hidden) == 0:  # every group shown: their changes add up to the KPI's numerator
                assert (shown[f"change_{horizon}"] * shown[f"citizens_{horizon}"]).sum() == pytest.approx(numerator)


def test_effect_sits_beside_the_groups_cost(demo):
    frame = effect.beside_cost(LEADER, 479, START, END, "measure_group", None, demo.warehouse, demo.appstate)
    costs = providers.comparison(LEADER, 479, START, END, "measure_group", None, demo.warehouse, demo.appstate)
    merged = frame.merge(costs, on="key", suffixes=("", "_cost"))
    assert len(merged) == len(frame)
    assert np.allclose(merged["price_per_full_year_person"], merged["price_per_full_year_person_cost"])
    placement = frame[(frame["key"] == "placement")].iloc[0]
    expected = sql(demo, """
        SELECT sum(score_change) / sum(citizens) FROM agg_effect_month
        WHERE paying_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
          AND measure_group = 'placement' AND instrument = 'TRIVSEL' AND horizon_months = 6""").iloc[0, 0]
    assert placement["instrument"] == "TRIVSEL" and placement["change_6"] == pytest.approx(expected)
    assert frame["instrument"].isin(["TRIVSEL", "VUM"]).all()


# --- Registration practice ------------------------------------------------------------------------------


def test_registration_practice_adds_up_to_the_data_quality_kpis_in_every_grouping(demo):
    totals = {}
    for by in registration.BY:
        frame = registration.practice(LEADER, 479, START, END, by, None, demo.warehouse)
        totals[by] = frame[["active", "started", "missing", "late", "mismatch", "double_payment"]].sum()
    assert totals["unit"].equals(totals["source_system"]) and totals["caseworker"].equals(totals["source_system"])
    total = totals["source_system"]
    assert (total["missing"], total["active"]) == kpi_sums(demo, "K-DQ-MISSING", START, END)
    assert (total["late"], total["started"]) == kpi_sums(demo, "K-DQ-LATE", START, END)
    assert (total["mismatch"], total["active"]) == kpi_sums(demo, "K-ECO-REIMB-GAP", START, END)


def test_registration_practice_per_caseworker_is_the_aggregates_by_hand(demo):
    frame = registration.practice(LEADER, 479, START, END, "caseworker", None, demo.warehouse).set_index("key")
    expected = sql(demo, """
        WITH g AS (SELECT caseworker_key, sum(grants_active) AS active FROM agg_grants_month
                   WHERE acting_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
                   GROUP BY ALL),
             f AS (SELECT caseworker_key, sum(grants_flagged) AS missing FROM agg_dq_month
                   WHERE acting_municipality_code = 479 AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
                     AND flag_code = 'ANY_MISSING_FIELD' GROUP BY ALL)
        SELECT caseworker_key, c.name, 100.0 * coalesce(missing, 0) / active AS share, active / 12.0 AS per_month
        FROM g LEFT JOIN f USING (caseworker_key) JOIN dim_caseworker c USING (caseworker_key)""").set_index(
        "caseworker_key")
    assert set(frame.index) == set(expected.index)
    assert frame["label"].to_dict() == expected["name"].to_dict()
    assert np.allclose(frame.loc[expected.index, "missing_share"], expected["share"])
    assert np.allclose(frame.loc[expected.index, "active_per_month"], expected["per_month"])


def test_rows_to_fix_are_the_grants_behind_a_months_findings(demo):
    rows = registration.rows_to_fix(LEADER, 479, LATEST, LATEST, None, demo.warehouse, demo.appstate)
    counted = sql(demo, """SELECT flag_code, sum(grants_flagged) AS grants FROM agg_dq_month
                           WHERE acting_municipality_code = 479 AND month = DATE '2026-10-01'
                           GROUP BY ALL""").set_index("flag_code")["grants"]
    per_flag = rows.groupby("flag_code")["grant_key"].nunique()
    for flag_code, grants in counted.items():
        if flag_code == "ANY_MISSING_FIELD":
            assert rows.loc[rows["missing_field"], "grant_key"].nunique() == grants
        else:
            assert per_flag.get(flag_code, 0) == grants, flag_code
    assert set(rows["finding"]) <= set(registration.FINDINGS.values())


def test_late_registrations_to_fix_over_a_year_are_the_kpis_numerator(demo):
    rows = registration.rows_to_fix(LEADER, 479, START, END, None, demo.warehouse, demo.appstate)
    late = rows[rows["flag_code"] == "LATE_REGISTRATION"]
    assert late["grant_key"].nunique() == kpi_sums(demo, "K-DQ-LATE", START, END)[0]
    registered_after = pd.to_datetime(late["registered_date"]) - pd.to_datetime(late["start_date"])
    assert (registered_after.dt.days > 30).all()


# --- Rights ---------------------------------------------------------------------------------------------


def calls(installation):
    """Every read of these pages, for a scope and a municipality."""
    w, a = installation.warehouse, installation.appstate
    return {
        "providers": lambda s, m: providers.comparison(s, m, START, END, "provider", None, w, a),
        "units": lambda s, m: providers.comparison(s, m, START, END, "unit", None, w, a),
        "budget": lambda s, m: budget.by_function(s, m, LATEST, None, w),
        "forecast": lambda s, m: budget.forecast_path(s, m, LATEST, None, w),
        "overuse": lambda s, m: budget.overuse_drivers(s, m, LATEST, None, 50, w, a),
        "effect": lambda s, m: effect.beside_cost(s, m, START, END, "provider", None, w, a),
        "practice": lambda s, m: registration.practice(s, m, START, END, "caseworker", None, w),
        "rows": lambda s, m: registration.rows_to_fix(s, m, START, END, None, w, a),
    }


READS = ["providers", "units", "budget", "forecast", "overuse", "effect", "practice", "rows"]
OUTSIDERS = {
    "leader of another municipality": (scope(Role.LEADER, 410, username="leder-middelfart"), 479),
    "politician": (scope(Role.POLITICIAN, 479, username="politiker-drift"), 479),
    "caseworker": (scope(Role.CASEWORKER, 479, "479:AZ47901", username="sagsbehandler-drift"), 479),
    "administrator": (scope(Role.ADMIN, 479, username="admin-drift"), 479),
}


@pytest.mark.parametrize("who", list(OUTSIDERS))
@pytest.mark.parametrize("read", READS)
def test_no_one_but_the_municipalitys_own_leader_gets_these_figures(demo, who, read):
    asking, municipality = OUTSIDERS[who]
    with pytest.raises(AccessDenied):
        calls(demo)[read](asking, municipality)
    assert audited(demo, asking.username) == []


def test_a_politician_is_told_why_in_danish(demo):
    with pytest.raises(AccessDenied, match="Som politiker ser du de samlede nøgletal"):
        registration.rows_to_fix(scope(Role.POLITICIAN), 479, START, END, None, demo.warehouse, demo.appstate)


def test_another_municipalitys_leader_gets_only_their_own_grants(demo):
    middelfart = scope(Role.LEADER, 410, username="leder-410")
    rows = registration.rows_to_fix(middelfart, 410, START, END, None, demo.warehouse, demo.appstate)
    drivers = budget.overuse_drivers(middelfart, 410, LATEST, None, 50, demo.warehouse, demo.appstate)
    own = set(sql(demo, "SELECT grant_key FROM fact_grant WHERE acting_municipality_code = 410")["grant_key"])
    paying = set(sql(demo, "SELECT grant_key FROM fact_grant WHERE paying_municipality_code = 410")["grant_key"])
    assert len(rows) > 0 and set(rows["grant_key"]) <= own
    assert set(drivers["grant_key"]) <= paying
    assert not any(key.startswith(("KMD:479:", "DUBU:479:", "AS2007:479:")) for key in rows["grant_key"])


@pytest.mark.parametrize("area", ["economy", "data_quality", "effect", "children' OR '1'='1", None])
def test_the_area_filter_narrows_and_never_widens(demo, area):
    everything = registration.rows_to_fix(LEADER, 479, START, END, None, demo.warehouse, demo.appstate)
    asked = registration.rows_to_fix(LEADER, 479, START, END, area, demo.warehouse, demo.appstate)
    assert asked.equals(everything)
    children = registration.rows_to_fix(LEADER, 479, START, END, "children", demo.warehouse, demo.appstate)
    assert 0 < len(children) < len(everything) and (children["area"] == "children").all()
    lines = budget.by_function(LEADER, 479, LATEST, "adults", demo.warehouse)
    assert lines["function_code"].str.startswith("5.38").all()


def test_person_level_reads_are_audit_logged(demo):
    reader = scope(Role.LEADER, 479, username="leder-revision")
    for read in ("providers", "overuse", "rows"):
        calls(demo)[read](reader, 479)
    assert audited(demo, reader.username) == ["view_provider_comparison", "view_budget_overuse",
                                              "view_registration_rows"]


# --- The pages, run by Streamlit's AppTest ----------------------------------------------------------------


@pytest.fixture
def leader_app(demo, use_installation):
    use_installation(demo)
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input[0].input("leder")
    at.text_input[1].input("demo-leder")
    at.button[0].click().run()
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_budget_page_shows_the_budget_kpis(leader_app, demo):
    at = leader_app.switch_page("pages/leader_budget.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Faktabaseret budget"
    values = {k: engine(demo).values(LEADER, k, [479], LATEST, LATEST).iloc[0]["value"]
              for k in ("K-ECO-DISPOSED", "K-ECO-FORECAST-USE", "K-ECO-OVERUNDER")}
    shown = metrics(at)
    assert shown["Disposition resten af året"] == kroner(values["K-ECO-DISPOSED"])
    assert shown["Forventet budgetforbrug"] == percent(values["K-ECO-FORECAST-USE"])
    assert shown["Forventet mer- eller mindreforbrug"] == kroner(values["K-ECO-OVERUNDER"])
    assert len(at.dataframe) == 2  # per function, and the grants behind the over-use


def test_the_other_pages_draw_for_the_leader(leader_app):
    for page, title in (("pages/leader_providers.py", "Leverandører og enheder"),
                        ("pages/leader_effect.py", "Effekt og økonomi"),
                        ("pages/leader_registration.py", "Registreringspraksis")):
        at = leader_app.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == title and at.dataframe and at.metric
        assert not at.info  # the sidebar names the leader's own municipality


@pytest.mark.parametrize("username", ["sagsbehandler", "politiker", "admin"])
def test_other_roles_cannot_open_the_operations_pages(demo, use_installation, username):
    use_installation(demo)
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input[0].input(username)
    at.text_input[1].input(f"demo-{username}")
    at.button[0].click().run()
    at.run()
    for page in ("pages/leader_providers.py", "pages/leader_budget.py", "pages/leader_effect.py",
                 "pages/leader_registration.py"):
        at.switch_page(page).run()
        assert [e.value for e in at.error] == ["Siden hører ikke til din rolle."], page
        assert not at.dataframe and not at.metric
