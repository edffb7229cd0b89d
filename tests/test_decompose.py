"""Decomposition trees on the hand-made scenario (tests/scenario.py), every figure worked out by hand.

Svendborg (479), January-March 2026, seen by its own leader unless said otherwise:
    placed 0-22 (paying 479): A (boy, 13, general foster family, BL § 46, provider Plejefamilien Hansen)
        all quarter; B (girl, 11, socio-pedagogical residential home, BL § 47, Opholdsstedet Egebakken)
        15 Feb - 10 Mar. So 1, 2, 2 placed in January, February, March.
    also active: C (supportive, contact person) and D (adult, SEL § 85), all quarter; neither has a
        placement type.
    residents 0-22: 500 boys and 500 girls aged 5, 250 women aged 22 = 1,250 (1,000 aged 0-5, 250 aged 18-22).
    group (Middelfart 410 + Assens 420): 2,000 + 500 residents 0-22; placed 0 + 5 in Jan and Feb, 1 + 5 in Mar.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from data_access.scope import AccessDenied, Role
from kpi.decompose import decompose
from kpi.node import PathError
from kpi.trace import trace

from .decomposition import FULL_YEAR_COUNT, UNSUPPRESSED, pinned_engine
from .helpers import scope

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
PLACED = "K-UBU-PLAC-1000"
LEADER = scope(Role.LEADER, 479, username="leder-479")


@pytest.fixture(scope="module")
def engine(small):
    return pinned_engine(small)


@pytest.fixture
def split(engine, small):
    def run(kpi_id, period, granularity, by, path=(), who=LEADER, municipality=479, compare=False):
        return decompose(engine, who, kpi_id, municipality, period, granularity, path, by, compare,
                         appstate=small.appstate)
    return run


def by_key(result, column="numerator"):
    return dict(zip(result.children["key"], result.children[column], strict=True))


def test_sex_splits_numerator_and_denominator(split):
    result = split(PLACED, FEB, "month", "sex")
    # February: B is the girl, A the boy; girls aged 5 (500) and women aged 22 (250) against boys aged 5 (500).
    assert by_key(result) == {"K": 1, "M": 1}
    assert by_key(result, "denominator") == {"K": 750, "M": 500}
    assert by_key(result, "value") == pytest.approx({"K": 1 / 750 * 1000, "M": 1 / 500 * 1000})
    assert by_key(result, "label") == {"K": "Kvinde/pige", "M": "Mand/dreng"}
    # They add up: 1 + 1 = 2 placed, 750 + 500 = 1,250 residents; each is half of the placed.
    assert result.parent == pytest.approx({"numerator": 2, "denominator": 1250, "value": 1.6})
    assert by_key(result, "share_of_parent") == {"K": 0.5, "M": 0.5}


def test_placement_type_splits_only_the_numerator_so_the_values_add_up(split):
    result = split(PLACED, FEB, "month", "placement_type")
    # The population has no placement type: each child keeps all 1,250 residents, 1 / 1,250 × 1,000 = 0.8.
    assert by_key(result) == {"PF-ALMEN": 1, "BUH-OPH": 1}
    assert set(result.children["denominator"]) == {1250}
    assert by_key(result, "value") == pytest.approx({"PF-ALMEN": 0.8, "BUH-OPH": 0.8})
    assert result.children["value"].sum() == pytest.approx(result.parent["value"])  # 0.8 + 0.8 = 1.6
    assert by_key(result, "label") == {"PF-ALMEN": "Almen plejefamilie", "BUH-OPH": "Socialpædagogisk opholdssted"}


def test_a_quarter_of_a_stock_is_the_average_of_its_months(split):
    result = split(PLACED, JAN, "quarter", "period")
    # 1, 2 and 2 placed: the quarter has (1 + 2 + 2) / 3 = 5/3 placed, 5/3 / 1,250 × 1,000 = 4/3 per 1,000.
    assert by_key(result) == {"2026-01": 1, "2026-02": 2, "2026-03": 2}
    assert result.parent["numerator"] == pytest.approx(5 / 3)
    assert result.parent["value"] == pytest.approx(4 / 3)
    # Each month weighs a third: 1/3 ÷ 5/3 = 0.2 and 2/3 ÷ 5/3 = 0.4.
    assert by_key(result, "share_of_parent") == pytest.approx({"2026-01": 0.2, "2026-02": 0.4, "2026-03": 0.4})
    assert result.by == "month" and result.by_label == "Måneder"


def test_a_year_to_date_quarter_is_its_last_month(split):
    result = split("K-ECO-BUDGET-USE", JAN, "quarter", "period")
    # Spend so far: 40,000 by January, 129,500 by February, 185,629.03 by March; budget 744,000 × n/12.
    assert by_key(result) == pytest.approx({"2026-01": 40_000, "2026-02": 129_500, "2026-03": 185_629.03})
    assert by_key(result, "denominator") == pytest.approx({"2026-01": 62_000, "2026-02": 124_000,
                                                           "2026-03": 186_000})
    assert result.parent == pytest.approx({"numerator": 185_629.03, "denominator": 186_000,
                                           "value": 185_629.03 / 186_000 * 100})
    assert by_key(result, "share_of_parent") == {"2026-01": 0, "2026-02": 0, "2026-03": 1}


def test_a_quarter_of_a_flow_is_the_sum_of_its_months(split):
    result = split("K-UBU-EXP-PLAC-POP", JAN, "quarter", "period")
    # Placement spend 30,000 + 80,000 + 46,129.03 = 156,129.03 kr. over an average 1,250 residents.
    assert result.parent["numerator"] == pytest.approx(156_129.03)
    assert result.parent["value"] == pytest.approx(156_129.03 / 1250)
    assert by_key(result, "share_of_parent")["2026-02"] == pytest.approx(80_000 / 156_129.03)


def test_full_year_persons_weigh_each_month_by_its_days(split):
    # Person-days of 479 (everyone, every measure group): January A, C, D 31 each = 93; February A, C, D
    # 28 each and B 14 = 98; March A, C, D 31 each and B 10 = 103. Months: 3, 3.5 and 103/31 persons;
    # the quarter 294 / 90 days = 3.2667, which is the months weighted by 31, 28 and 31 days.
    result = split(FULL_YEAR_COUNT, JAN, "quarter", "period")
    assert by_key(result) == pytest.approx({"2026-01": 3.0, "2026-02": 3.5, "2026-03": 103 / 31})
    assert result.parent["numerator"] == pytest.approx(294 / 90)
    assert result.parent["denominator"] == 1  # a count: 1 for the month with population figures, averaged
    assert by_key(result, "share_of_parent") == pytest.approx({"2026-01": 93 / 294, "2026-02": 98 / 294,
                                                               "2026-03": 103 / 294})


def test_rows_without_a_value_form_their_own_child(split):
    # February full-year persons by placement type: A 28/28 = 1 (general foster family), B 14/28 = 0.5
    # (residential home), C and D have none: 56/28 = 2 "Uoplyst". 1 + 0.5 + 2 = 3.5.
    result = split(FULL_YEAR_COUNT, FEB, "month", "placement_type")
    assert by_key(result) == pytest.approx({"PF-ALMEN": 1, "BUH-OPH": 0.5, None: 2})
    assert by_key(result, "label")[None] == "Uoplyst"
    assert list(result.children["key"])[-1] is None  # unknown last


def test_numerator_and_denominator_as_children(split):
    result = split(PLACED, JAN, "quarter", "numerator_denominator")
    assert by_key(result) == pytest.approx({"numerator": 5 / 3, "denominator": 1250})
    assert by_key(result, "label") == {"numerator": "Anbragte 0-22 år (unikke i måneden)",
                                       "denominator": "Indbyggere 0-22 år"}


def test_a_side_on_its_own_splits_by_that_sides_dimensions(split):
    result = split(PLACED, JAN, "quarter", "age_band", [("side", "denominator")])
    # The 1,250 residents: 1,000 aged 5 (band 0-5) and 250 aged 22 (18-22), in every month.
    assert by_key(result) == {"0-5": 1000, "18-22": 250}
    assert by_key(result, "value") == {"0-5": 1000, "18-22": 250}
    assert by_key(result, "share_of_parent") == {"0-5": 0.8, "18-22": 0.2}
    assert by_key(result, "label") == {"0-5": "0-5 år", "18-22": "18-22 år"}
    # The population has no placement type or legal basis: those splits are not offered there.
    assert [name for name, _ in result.available] == ["period", "age_band", "sex"]


def test_a_path_narrows_every_side_it_applies_to(split):
    # Girls in February: B alone, at a residential home; the 750 girls and young women stay the denominator.
    result = split(PLACED, FEB, "month", "placement_type", [("sex", "K")])
    assert by_key(result) == {"BUH-OPH": 1}
    assert by_key(result, "value") == pytest.approx({"BUH-OPH": 1 / 750 * 1000})
    # A period on the path is the same node as asking for that month directly.
    via_path = split(PLACED, JAN, "quarter", "sex", [("period", "2026-02")])
    assert by_key(via_path, "value") == by_key(split(PLACED, FEB, "month", "sex"), "value")


def test_provider_comes_from_the_person_level_facts_for_the_leader(split):
    result = split(PLACED, JAN, "quarter", "provider")
    # A with Plejefamilien Hansen in 3 of 3 months, B at Opholdsstedet Egebakken in 2: averages 1 and 2/3.
    assert dict(zip(result.children["label"], result.children["numerator"], strict=True)) == pytest.approx(
        {"Plejefamilien Hansen": 1, "Opholdsstedet Egebakken": 2 / 3})
    assert result.parent["numerator"] == pytest.approx(5 / 3)  # the same as the aggregate's quarter
    # Further down, B is a girl: 2/3 against the 750 girls and young women.
    girls = split(PLACED, JAN, "quarter", "sex", [("provider", "CVR:12345678")])
    assert by_key(girls) == pytest.approx({"K": 2 / 3, "M": 0})
    assert by_key(girls, "denominator") == {"K": 750, "M": 500}


def test_only_a_leader_in_their_own_municipality_gets_person_level_splits(split, engine):
    detail = {"provider", "caseworker", "unit"}
    offered = {name for name, _ in split(PLACED, FEB, "month", "sex").available}
    assert detail <= offered
    for who, municipality in [(scope(Role.POLITICIAN, 479), 479), (scope(Role.CASEWORKER, 479, "479:AZ47901"), 479),
                              (LEADER, 420)]:
        offered = {name for name, _ in split(PLACED, FEB, "month", "sex", who=who, municipality=municipality).available}
        assert not detail & offered
        with pytest.raises(PathError):
            split(PLACED, FEB, "month", "provider", who=who, municipality=municipality)
    # Asking past the menu does not help: data_access refuses the person-level read itself.
    with pytest.raises(AccessDenied):
        split(PLACED, FEB, "month", "sex", [("provider", "CVR:12345678")], who=scope(Role.POLITICIAN, 479))


def test_the_group_is_the_sum_of_its_members(split):
    result = split(PLACED, JAN, "quarter", "period", compare=True)
    # Group 410 + 420: (0 + 5), (0 + 5), (1 + 5) placed over 2,000 + 500 residents.
    assert by_key(result, "group_value") == pytest.approx({"2026-01": 2.0, "2026-02": 2.0, "2026-03": 2.4})
    # The quarter: (5 + 5 + 6) / 3 placed / 2,500 × 1,000 = 2.1333; not the average of the two members' rates.
    assert result.parent["group_value"] == pytest.approx(16 / 3 / 2500 * 1000)


def test_group_children_resting_on_few_persons_are_hidden(split):
    result = split(PLACED, FEB, "month", "sex", compare=True)
    # The group's 5 placed in February: 3 boys (E, H, J) and 2 girls (F, I), both under 5: hidden.
    assert result.children["group_suppressed"].all()
    assert result.children["group_numerator"].isna().all()
    assert result.parent["group_numerator"] == 5  # the group's total rests on 5: shown
    assert not result.children["suppressed"].any()  # the leader's own municipality: always shown


def test_another_municipalitys_small_children_are_hidden(split):
    # Assens in February: 3 in general foster families (H, I, J), F in a network family, E at a home.
    result = split(PLACED, FEB, "month", "placement_type", municipality=420)
    assert result.children["suppressed"].all()
    assert result.children["numerator"].isna().all()
    assert set(result.children["key"]) == {"PF-ALMEN", "PF-NET", "BUH-OPH"}


def test_choices_that_do_not_fit_are_refused_in_danish(split):
    with pytest.raises(PathError, match="kan ikke opdeles efter 'account_function'"):
        split(PLACED, FEB, "month", "account_function")
    with pytest.raises(PathError, match="ligger ikke inden for perioden"):
        split(PLACED, JAN, "quarter", "sex", [("period", "2026-05")])
    with pytest.raises(PathError, match="kan ikke opdeles efter køn"):
        split(PLACED, FEB, "month", "placement_type", [("sex", "K"), ("sex", "M")])
    with pytest.raises(PathError, match="ingen tal for 2019-03"):
        split(PLACED, date(2019, 3, 1), "month", "sex")


def test_largest_difference_with_the_disclosure_rule(split):
    result = split(PLACED, FEB, "month", "largest_difference")
    # Own 2 / 1,250 = 1.6 against the group's 5 / 2,500 = 2.0: a gap of -0.4 per 1,000. By legal basis
    # the group's 5 are all BL § 46 (shown), own A is § 46 and B § 47:
    #   § 46: 0.8 - 5/2,500 × 1,000 = -1.2;  § 47: 0.8 - 0 = +0.8;  together -0.4.
    # -1.2 is 3 times the gap. Sex and placement type rest on group cells of 1-3 persons, all hidden, and
    # age band shows only 0-5, where neither has anyone: 0 of the gap.
    assert result.by == "legal_basis"
    assert by_key(result, "difference") == pytest.approx({"BL-46": -1.2, "BL-47": 0.8})
    explained = dict(zip(result.explanation["dimension"], result.explanation["explained_share"], strict=True))
    assert explained["legal_basis"] == pytest.approx(3.0)
    assert explained["age_band"] == pytest.approx(0.0)
    assert math.isnan(explained["sex"]) and math.isnan(explained["placement_type"])
    assert result.explanation["gap"].tolist() == pytest.approx([-0.4] * 4)
    assert "lovgrundlag" in result.notes[0]


def test_shift_share_splits_each_childs_difference_into_mix_and_rate(engine, small):
    from dataclasses import replace

    # The same February, no disclosure threshold, sex the only dimension. Group by sex (410 + 420):
    #   girls: F and I placed, 1,000 (410, 17) + 200 (420, 10) residents; boys: E, H, J, 1,000 + 300.
    # Own: girls 1 / 750, boys 1 / 500. With k = 1,000:
    #   girls: s = 750/1,250 = 0.6, S = 1,200/2,500 = 0.48, r = 1.3333, R = 1.6667
    #          mix = (0.6 - 0.48)(1.3333 + 1.6667)/2 = 0.18, rate = (1.3333 - 1.6667)(0.6 + 0.48)/2 = -0.18
    #   boys:  s = 0.4, S = 0.52, r = 2, R = 3/1,300 × 1,000 = 2.3077
    #          mix = (0.4 - 0.52)(2 + 2.3077)/2 = -0.25846, rate = (2 - 2.3077)(0.4 + 0.52)/2 = -0.14154
    # Differences 0.8 - 0.8 = 0 (girls) and 0.8 - 1.2 = -0.4 (boys): all of the gap sits with the boys.
    catalogue = engine.catalogue
    only_sex = replace(catalogue.kpis[UNSUPPRESSED], dimensions=("sex",))
    engine = replace(engine, catalogue=replace(catalogue, kpis={**catalogue.kpis, UNSUPPRESSED: only_sex}))
    result = decompose(engine, LEADER, UNSUPPRESSED, 479, FEB, "month", (), "largest_difference",
                       appstate=small.appstate)
    assert result.by == "sex"
    assert by_key(result, "mix") == pytest.approx({"K": 0.18, "M": -0.258462}, abs=1e-6)
    assert by_key(result, "rate") == pytest.approx({"K": -0.18, "M": -0.141538}, abs=1e-6)
    assert by_key(result, "difference") == pytest.approx({"K": 0.0, "M": -0.4}, abs=1e-9)
    row = result.explanation.iloc[0]
    assert (row["mix"], row["rate"], row["explained_share"]) == pytest.approx((-0.078462, -0.321538, 1.0), abs=1e-6)
    assert row["top_label"] == "Mand/dreng"


def test_notifications_split_by_who_notified_add_up_to_the_year(kerteminde):
    """tests/scenario_kerteminde.py: Kerteminde (440) received these notifications about 0-17-year-olds in 2026,
    the year so far being January-March: U-1 from the school (Skole, January), U-3 from a hospital
    (Sundhedsvæsen, January), U-2 from the police (Politi, February) and U-4 anonymously (Borger/anonym,
    March), one each. U-5, from a kindergarten (Dagtilbud), was received in December 2025, outside the year,
    and U-6 (Andet) was quarantined for its impossible CPR number, so neither is a child. The population has no
    notifier: each child keeps the year's 1,000 residents aged 0-17 (the average of its months), so each value
    is 1 × 1,000 / 1,000 = 1.0, and the four add up to the year's 4 notifications and 4.0 per 1,000."""
    engine = pinned_engine(kerteminde)
    leader = scope(Role.LEADER, 440, username="leder-440")
    result = decompose(engine, leader, "K-UBU-NOTIF", 440, JAN, "year", (), "notifier", appstate=kerteminde.appstate)
    assert result.by == "notifier" and result.by_label == "Underretter"
    assert by_key(result) == {"BORGER": 1, "POLITI": 1, "SKOLE": 1, "SUNDHED": 1}
    assert by_key(result, "label") == {"BORGER": "Borger/anonym", "POLITI": "Politi", "SKOLE": "Skole",
                                       "SUNDHED": "Sundhedsvæsen"}
    assert set(result.children["denominator"]) == {1000}
    assert by_key(result, "value") == pytest.approx(dict.fromkeys(("BORGER", "POLITI", "SKOLE", "SUNDHED"), 1.0))
    assert by_key(result, "share_of_parent") == pytest.approx(dict.fromkeys(("BORGER", "POLITI", "SKOLE",
                                                                              "SUNDHED"), 0.25))
    assert not result.children["suppressed"].any()  # the leader's own municipality: nothing hidden
    # They add up: 1 + 1 + 1 + 1 = 4 notifications; 1.0 × 4 = 4.0 per 1,000, the year's own figure.
    assert result.parent == pytest.approx({"numerator": 4, "denominator": 1000, "value": 4.0})
    assert result.children["numerator"].sum() == pytest.approx(result.parent["numerator"])
    assert result.children["value"].sum() == pytest.approx(result.parent["value"])
    year = engine.values(leader, "K-UBU-NOTIF", [440], JAN, MAR, "year").iloc[0]
    assert (year["numerator"], year["value"]) == pytest.approx((4, 4.0))

    # January alone: U-1 (school) and U-3 (hospital), 2 of the month's 2 notifications.
    january = decompose(engine, leader, "K-UBU-NOTIF", 440, JAN, "month", (), "notifier",
                        appstate=kerteminde.appstate)
    assert by_key(january) == {"SKOLE": 1, "SUNDHED": 1}
    assert january.parent["numerator"] == 2

    # The rows behind the school's child are U-1 alone, traced to the fact row with its notifier.
    traced = trace(engine, leader, "K-UBU-NOTIF", 440, JAN, "year", [("notifier", "SKOLE")],
                   appstate=kerteminde.appstate)
    assert traced.numerator.matches and traced.numerator.traced == 1
    rows = traced.numerator.rows
    assert rows["source_notification_id"].tolist() == ["U-1"] and rows["notifier_code"].tolist() == ["SKOLE"]
    assert traced.denominator.traced == pytest.approx(1000)  # the population is not split by notifier
