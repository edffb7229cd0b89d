"""The fact rows behind aggregate cells (data_access.fact_sources) and who may read them (data_access.trace).

Figures from the hand-made scenario (tests/scenario.py), Svendborg (479), January-March 2026.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import fact_sources
from data_access.appstate import audit_log
from data_access.scope import AccessDenied, Role
from data_access.trace import fact_rows, fact_totals
from data_access.warehouse_schema import dim_month, meta_load, metadata

from .helpers import scope

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
LEADER = scope(Role.LEADER, 479, username="leder-479")
PLACED_0_22 = {"measure_group": "placement", "age": {"between": [0, 22]}}

# Every aggregate and measure the sources mirror, with the municipality column they are counted on.
MIRRORED = [
    ("agg_persons_month", "persons", "paying_municipality_code"),
    ("agg_persons_month", "person_days", "acting_municipality_code"),
    ("agg_population_month", "persons", "municipality_code"),
    ("agg_spend_month", "amount", "municipality_code"),
    ("agg_spend_month", "amount_ytd", "municipality_code"),
    ("agg_budget_month", "budget_ytd", "municipality_code"),
    ("agg_budget_month", "budget_full_year", "municipality_code"),
    ("agg_grants_month", "grants_active", "acting_municipality_code"),
    ("agg_grants_month", "grants_started", "acting_municipality_code"),
    ("agg_grants_month", "grants_ended", "acting_municipality_code"),
    ("agg_dq_month", "grants_flagged", "acting_municipality_code"),
    ("agg_effect_month", "citizens", "paying_municipality_code"),
    ("agg_effect_month", "baseline_score", "acting_municipality_code"),
    ("agg_effect_month", "score_change", "paying_municipality_code"),
    ("agg_staircase_month", "citizens_started", "paying_municipality_code"),
    ("agg_staircase_month", "citizens_stepped_down", "acting_municipality_code"),
    ("agg_placement_followup_month", "placed_year_before", "paying_municipality_code"),
    ("agg_placement_followup_month", "not_placed_now", "acting_municipality_code"),
    ("agg_forecast_month", "committed_rest_of_year", "municipality_code"),
    ("agg_forecast_month", "forecast_year", "municipality_code"),
    ("agg_forecast_month", "forecast_over_budget", "municipality_code"),
    ("agg_spend_placement_month", "amount", "municipality_code"),
    ("agg_placement_duration_month", "placement_months", "paying_municipality_code"),
    ("agg_placement_duration_month", "placed", "acting_municipality_code"),
    ("agg_youth_support_month", "formerly_placed", "paying_municipality_code"),
    ("agg_youth_support_month", "with_youth_support", "acting_municipality_code"),
    ("agg_placement_breakdown_month", "placements", "paying_municipality_code"),
    ("agg_placement_breakdown_month", "breakdowns", "acting_municipality_code"),
    ("agg_transition_gap_month", "assessed", "paying_municipality_code"),
    ("agg_transition_gap_month", "without_adult_measure", "acting_municipality_code"),
    ("agg_notification_month", "notifications", "municipality_code"),
    ("agg_reimbursement_month", "claimable", "municipality_code"),
    ("agg_reimbursement_month", "recovered", "municipality_code"),
]
MEASURES = {aggregate: {m for a, m, _ in MIRRORED if a == aggregate} for aggregate, _, _ in MIRRORED}
# The scenarios' municipalities: tests/scenario.py, and tests/scenario_kerteminde.py (Kerteminde, Nyborg, Faaborg).
MUNICIPALITIES = [("small", 479), ("small", 420), ("small", 410), ("kerteminde", 440), ("kerteminde", 450),
                  ("kerteminde", 430)]


def rows(installation, who, aggregate, measure, column, months, where=None, choices=(), municipality=479):
    return fact_rows(who, aggregate, measure, column, municipality, months, where or {}, choices, purpose="test",
                     warehouse=installation.warehouse, appstate=installation.appstate)


@pytest.mark.parametrize(("aggregate", "measure", "column"), MIRRORED)
@pytest.mark.parametrize(("installation", "municipality"), MUNICIPALITIES)
def test_the_fact_rows_add_up_to_every_aggregate_cell(request, installation, aggregate, measure, column,
                                                      municipality):
    """Whatever etl/derive.py puts in an aggregate cell, the rows fact_sources names add up to it, in every month."""
    warehouse = request.getfixturevalue(installation).warehouse
    table = metadata.tables[aggregate]
    cell = [c.name for c in table.columns if c.name not in MEASURES[aggregate]]
    months = list(warehouse.query(select(dim_month.c.month))["month"].dt.date)
    source = fact_sources.rows(aggregate, measure, column, municipality, months).subquery()

    def totals(rows, amount, *where):
        frame = warehouse.query(select(*[rows.c[c] for c in cell], func.sum(amount).label("total"))
                                .where(*where).group_by(*[rows.c[c] for c in cell]))
        # The spend aggregate keeps a zero row for months without postings; the facts have none for them.
        return {tuple(None if pd.isna(v) else v for v in key): float(total)
                for *key, total in frame.itertuples(index=False) if total}

    stored = totals(table, table.c[measure], table.c[column] == municipality)
    assert totals(source, source.c.amount) == pytest.approx(stored)


@pytest.mark.parametrize(("aggregate", "measure"), sorted({(a, m) for a, m, _ in MIRRORED}))
def test_the_scenarios_give_every_mirrored_measure_something_to_add_up(small, kerteminde, aggregate, measure):
    table = metadata.tables[aggregate]
    totals = [installation.warehouse.query(select(func.sum(func.abs(table.c[measure])).label("total")))["total"][0]
              for installation in (small, kerteminde)]
    assert any(total and total > 0 for total in totals)


def test_placed_children_in_february_are_alfred_and_bodil_with_their_grant_lines(small):
    # A (grant 1001, line 2 of the KMD file) and B (grant 1002, line 3); C is supportive and D an adult.
    found = rows(small, LEADER, "agg_persons_month", "persons", "paying_municipality_code", [FEB], PLACED_0_22)
    assert sorted(found["grant_key"]) == ["KMD:479:1001", "KMD:479:1002"]
    assert sorted(found["source_line"]) == [2, 3]
    assert set(found["source_file"]) == {"KMD_BV_BEVILLINGER_0479_20260401.csv"}
    assert found["amount"].sum() == 2
    run = small.warehouse.query(select(meta_load.c.run_id, meta_load.c.finished_at)).iloc[0]
    assert set(found["etl_run_id"]) == {run["run_id"]}
    assert set(found["etl_run_finished_at"]) == {run["finished_at"]}


def test_population_rows_are_the_newest_quarter_counted_in_each_month(small):
    # 2026K1 for 479: 500 + 500 boys and girls aged 5, 250 women aged 22, 999 men aged 23, 3,000 aged 40
    # = 5,249 in each month; the older 2025K4 row (1,000 boys aged 5) is never counted.
    found = rows(small, LEADER, "agg_population_month", "persons", "municipality_code", [JAN, FEB, MAR])
    assert found.groupby("month")["amount"].sum().tolist() == [5249, 5249, 5249]
    assert set(found["quarter_start"].dt.date) == {JAN}
    assert sorted(found[found["month"].dt.date == JAN]["source_line"]) == [2, 3, 4, 5, 6]


def test_year_to_date_spend_counts_every_posting_of_the_year_so_far(small):
    # March year to date: postings 1-9 (posting 10 was quarantined): 40,000 + 89,500 + 56,129.03.
    found = rows(small, LEADER, "agg_spend_month", "amount_ytd", "municipality_code", [MAR])
    assert sorted(found["voucher"]) == list(range(1, 10))
    assert found["amount"].sum() == pytest.approx(185_629.03)


def test_year_to_date_budget_is_pro_rata_per_budget_line(small):
    # Corrected budgets 400,000 + 200,000 + 120,000 + 24,000, three twelfths each by March.
    found = rows(small, LEADER, "agg_budget_month", "budget_ytd", "municipality_code", [MAR])
    assert sorted(found["amount"]) == pytest.approx([6_000, 30_000, 50_000, 100_000])


def test_a_choice_selects_the_same_rows_as_on_the_aggregate(small):
    # Girls among the placed children: only B (age 11, band 6-11); boys aged 12-17: only A.
    girls = rows(small, LEADER, "agg_persons_month", "persons", "paying_municipality_code", [FEB], PLACED_0_22,
                 [("sex", (), "K")])
    assert list(girls["grant_key"]) == ["KMD:479:1002"]
    teenagers = rows(small, LEADER, "agg_persons_month", "persons", "paying_municipality_code", [FEB], PLACED_0_22,
                     [("age", ((6, 11, "6-11 år"), (12, 17, "12-17 år")), "12-17")])
    assert list(teenagers["grant_key"]) == ["KMD:479:1001"]
    # C's and D's person-months have no placement type: the "Uoplyst" child.
    unknown = rows(small, LEADER, "agg_persons_month", "persons", "paying_municipality_code", [FEB], {},
                   [("placement_type_code", (), None)])
    assert sorted(unknown["grant_key"]) == ["KMD:479:1003", "KMD:479:1004"]


def test_rows_carry_pseudonyms_never_cpr_numbers_or_names(small):
    found = rows(small, LEADER, "agg_persons_month", "persons", "paying_municipality_code", [JAN, FEB, MAR])
    assert {"citizen_key"} <= set(found.columns)
    assert not {"cpr", "masked_cpr", "name", "first_name", "last_name", "birth_date"} & set(found.columns)
    text = " ".join(str(v) for v in found.astype(str).to_numpy().ravel())
    assert not re.search(r"\b\d{6}-?\d{4}\b", text)
    assert not re.search(r"Alfred|Andersen|Bodil|Berg", text)


def test_a_caseworker_sees_the_rows_of_own_cases_and_the_rows_describing_nobody(small):
    caseworker = scope(Role.CASEWORKER, 479, "479:AZ47909", username="cw-47909")
    # AZ47909 has D (SEL § 85) only: one person-month a month, and D's three postings of 10,000.
    persons = rows(small, caseworker, "agg_persons_month", "persons", "paying_municipality_code", [FEB])
    assert list(persons["grant_key"]) == ["KMD:479:1004"]
    spend = rows(small, caseworker, "agg_spend_month", "amount", "municipality_code", [JAN, FEB, MAR])
    assert sorted(spend["voucher"]) == [6, 7, 8]  # the -500 posting names no grant: nobody's case
    population = rows(small, caseworker, "agg_population_month", "persons", "municipality_code", [FEB])
    assert population["amount"].sum() == 5249


@pytest.mark.parametrize(("who", "message"), [
    (scope(Role.POLITICIAN, 479), "Som politiker ser du de samlede tal"),
    (scope(Role.ADMIN, 479), "giver ikke adgang"),
    (scope(Role.LEADER, 410), "egen kommune"),
    (scope(Role.CASEWORKER, 410, "410:AZ41001"), "egen kommune"),
    (scope(Role.CASEWORKER, 479, None), "ikke knyttet til en sagsbehandler"),
])
def test_who_may_not_read_the_rows_of_479(small, who, message):
    with pytest.raises(AccessDenied, match=message):
        rows(small, who, "agg_persons_month", "persons", "paying_municipality_code", [FEB])


def test_splits_on_the_facts_are_for_a_leaders_own_municipality(small):
    def totals(who, municipality=479):
        return fact_totals(who, "agg_persons_month", "persons", "paying_municipality_code", municipality, [FEB],
                           PLACED_0_22, split=("provider_key", ()), warehouse=small.warehouse,
                           appstate=small.appstate)

    found = totals(LEADER)
    # A with Plejefamilien Hansen, B at Opholdsstedet Egebakken: one each, named from dim_provider.
    assert dict(zip(found["label"], found["total"], strict=True)) == {"Plejefamilien Hansen": 1,
                                                                     "Opholdsstedet Egebakken": 1}
    for who in (scope(Role.CASEWORKER, 479, "479:AZ47901"), scope(Role.POLITICIAN, 479)):
        with pytest.raises(AccessDenied):
            totals(who)
    with pytest.raises(AccessDenied, match="egen kommune"):
        totals(LEADER, municipality=420)


def test_reads_are_audit_logged(small):
    reader = scope(Role.LEADER, 479, username="audited-trace")
    rows(small, reader, "agg_persons_month", "persons", "paying_municipality_code", [FEB], PLACED_0_22)
    with small.appstate.engine.connect() as connection:
        logged = connection.execute(select(audit_log).where(audit_log.c.username == "audited-trace")).mappings().all()
    assert [row["action"] for row in logged] == ["trace_kpi"]
    assert "2 rækker" in logged[0]["detail"]


def test_every_aggregate_is_mirrored_and_anything_else_says_so_in_danish(small):
    aggregates = {name for name in metadata.tables if name.startswith("agg_")}
    assert {name for name in aggregates if fact_sources.supported(name)} == aggregates == set(MEASURES)
    with pytest.raises(LookupError, match="kan endnu ikke føres tilbage"):
        rows(small, LEADER, "dim_month", "days_in_month", "municipality_code", [FEB])
