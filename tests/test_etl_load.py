"""The ETL on the hand-made scenario: every row accounted for, facts and aggregates as worked out by hand."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from sqlalchemy import func, select

from data_access.scope import Role
from data_access.settings import secret
from data_access.warehouse_schema import (
    agg_persons_month,
    agg_population_month,
    agg_spend_month,
    dim_citizen,
    dim_month,
    fact_grant,
    fact_payment,
    fact_person_month,
    meta_load,
    meta_load_file,
    quarantine,
)
from etl.cpr import birth_date

from . import scenario as s
from .helpers import scope


def rows(installation, statement):
    return installation.warehouse.query(statement)


def test_scenario_cpr_numbers_encode_their_birth_dates():
    # The fixture's own numbers must be valid replacement numbers, or the tests below prove nothing.
    assert birth_date(s.A) == date(2012, 5, 10)
    assert birth_date(s.D) == date(1990, 4, 21)
    assert birth_date(s.J) == date(2009, 9, 9)


def test_every_file_reconciles_read_equals_loaded_plus_quarantined(small):
    files = rows(small, select(meta_load_file)).set_index("file_name")
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_quarantined"]).all()
    kmd = files.loc[f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv"]
    assert (kmd["rows_read"], kmd["rows_loaded"], kmd["rows_quarantined"]) == (5, 4, 1)
    dubu = files.loc[f"DUBU_INDSATSER_0420_{s.STAMP}.jsonl"]
    assert (dubu["rows_read"], dubu["rows_loaded"], dubu["rows_quarantined"]) == (7, 6, 1)
    load = rows(small, select(meta_load)).iloc[0]
    assert load["rows_read"] == files["rows_read"].sum()
    assert load["data_as_of"].date() == s.AS_OF


def test_bad_rows_are_quarantined_with_file_line_column_value_and_reason(small):
    found = rows(small, select(quarantine).order_by(quarantine.c.file_name, quarantine.c.line))
    by_file = {r.file_name: r for r in found.itertuples()}
    bad_date = by_file[f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv"]
    assert (bad_date.line, bad_date.column_name, bad_date.value) == (6, "Startdato", "31-02-2026")
    assert "ugyldig dato" in bad_date.reason
    broken_json = by_file[f"DUBU_INDSATSER_0420_{s.STAMP}.jsonl"]
    assert broken_json.line == 5 and "ugyldig JSON" in broken_json.reason
    separator = by_file[f"PRISME_POSTERINGER_0479_{s.STAMP}.csv"]
    assert (separator.line, separator.column_name, separator.value) == (11, "Beløb", "1.234,50")
    assert "tusindtalsseparator" in separator.reason
    assert len(found) == 3


def test_grants_keep_lineage_and_the_legal_basis_as_registered(small):
    grants = rows(small, select(fact_grant)).set_index("source_grant_id")
    assert set(grants.index) == {"1001", "1002", "1003", "1004", "2001", "e-1", "e-2", "f-1", "h-1", "i-1", "j-1"}
    b = grants.loc["1002"]
    assert (b["legal_basis_code"], b["measure_group"], b["placement_type_code"]) == ("BL-47", "placement", "BUH-OPH")
    assert (b["source_file"], b["source_line"]) == (f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv", 3)
    assert grants.loc["1003", "legal_basis_as_registered"] == "BL-32-1.3"
    assert grants.loc["1003", "legal_basis_code"] == "BL-32-1-3"
    assert grants.loc["1003", "measure_group"] == "supportive"
    assert grants.loc["1004", "area"] == "adults"
    assert grants["etl_run_id"].nunique() == 1


def test_citizens_are_pseudonymised_and_missing_cpr_persons_kept(small):
    citizens = rows(small, select(dim_citizen))
    assert len(citizens) == 10
    assert not citizens["citizen_key"].isin([s.A, s.B, s.J]).any()
    assert citizens["citizen_key"].str.fullmatch("[0-9a-f]{32}").all()
    j = citizens[citizens["masked_cpr"] == "690909-xxxx"].iloc[0]
    assert j["name"] == "(ikke i CPR-udtrækket)"
    assert j["birth_date"].date() == date(2009, 9, 9)
    assert not rows(small, select(fact_grant.c.citizen_key)).isin([s.A]).any().any()


def test_a_citizen_key_is_the_keyed_hmac_of_the_cpr_number(small):
    citizens = rows(small, select(dim_citizen.c.citizen_key, dim_citizen.c.masked_cpr))
    key = secret("pseudonym_key").encode("utf-8")
    for number in (s.A, s.B):
        expected = hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()[:32]
        assert citizens.loc[citizens["citizen_key"] == expected, "masked_cpr"].tolist() == [number[:6] + "-xxxx"]


def test_months_run_from_first_posting_to_last_complete_month(small):
    months = rows(small, select(dim_month.c.month).order_by(dim_month.c.month))["month"].dt.date.tolist()
    assert months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def test_placed_children_are_counted_once_per_month(small):
    placed = rows(small, select(
        agg_persons_month.c.paying_municipality_code, agg_persons_month.c.month,
        func.sum(agg_persons_month.c.persons).label("persons"),
    ).where(agg_persons_month.c.measure_group == "placement").group_by(
        agg_persons_month.c.paying_municipality_code, agg_persons_month.c.month))
    counts = {(r.paying_municipality_code, r.month.month): r.persons for r in placed.itertuples()}
    assert {key: counts.get(key, 0) for key in s.PLACED} == s.PLACED


def test_person_month_takes_the_grant_active_most_days(small):
    months = rows(small, select(fact_person_month).where(fact_person_month.c.month == date(2026, 2, 1)))
    # E: reinforced foster family 1-10 February (10 days), residential home from 11 February (18 days).
    e = months[months["grant_key"].str.startswith("DUBU:420:e-")]
    assert len(e) == 1
    assert (e.iloc[0]["grant_key"], e.iloc[0]["placement_type_code"], e.iloc[0]["days_active"]) == (
        "DUBU:420:e-2", "BUH-OPH", 18)
    b = months[months["grant_key"] == "KMD:479:1002"].iloc[0]
    assert b["days_active"] == 14  # 15-28 February
    assert b["age"] == 11  # born 15 February 2015, age at 28 February 2026


def test_population_uses_the_newest_quarter_and_exact_age_limits(small):
    population = rows(small, select(
        agg_population_month.c.municipality_code, func.sum(agg_population_month.c.persons).label("persons"),
    ).where(agg_population_month.c.month == date(2026, 2, 1), agg_population_month.c.age.between(0, 22))
        .group_by(agg_population_month.c.municipality_code))
    assert dict(zip(population["municipality_code"], population["persons"], strict=True)) == s.POPULATION_0_22


def test_payments_link_to_grants_and_spend_accumulates_over_the_year(small):
    payments = rows(small, select(fact_payment).where(fact_payment.c.municipality_code == 479))
    assert len(payments) == 9  # ten lines, one quarantined
    assert payments["grant_key"].isna().sum() == 1  # the -500 correction has no grant, and is kept
    assert payments.loc[payments["grant_key"] == "KMD:479:1001", "amount"].sum() == 90_000
    spend = rows(small, select(agg_spend_month.c.month, func.sum(agg_spend_month.c.amount_ytd).label("ytd"))
                 .where(agg_spend_month.c.municipality_code == 479).group_by(agg_spend_month.c.month)
                 .order_by(agg_spend_month.c.month))
    expected = [s.SPEND_479[1], s.SPEND_479[1] + s.SPEND_479[2], s.SPEND_479[1] + s.SPEND_479[2] + s.SPEND_479[3]]
    assert spend["ytd"].astype(float).round(2).tolist() == pytest.approx(expected)


def test_run_is_logged_with_per_file_counts(small):
    runs = small.appstate.etl_runs(scope(Role.ADMIN))
    assert runs.iloc[0]["status"] == "succeeded"
    files = small.appstate.etl_run_files(scope(Role.ADMIN), runs.iloc[0]["run_id"])
    assert len(files) == 11
    kmd = files[files["file_name"] == f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv"].iloc[0]
    assert (kmd["rows_read"], kmd["rows_loaded"], kmd["rows_quarantined"]) == (5, 4, 1)
    assert kmd["source"] == "KMD Børn og Voksne, bevillinger"
