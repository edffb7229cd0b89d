"""Rank among all municipalities and position within the group (kpi/ranking.py, KpiEngine.ranking/position)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from data_access.scope import Role
from kpi import ranking
from kpi.catalogue import Direction, load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import GroupKind, load_groups

from .helpers import scope

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def kpi_with(direction: Direction, decimals: int = 1):
    return replace(load_catalogue().kpi("K-UBU-PLAC-1000"), direction=direction, decimals=decimals)


def one_period(values: list[float | None], suppressed: list[bool] | None = None) -> pd.DataFrame:
    count = len(values)
    return pd.DataFrame({"period": [MONTHS[0]] * count, "municipality_code": list(range(1, count + 1)),
                         "numerator": [1.0] * count, "denominator": [1.0] * count,
                         "value": [float("nan") if v is None else v for v in values],
                         "suppressed": suppressed or [False] * count})


def test_equal_shown_values_share_the_better_rank_and_the_next_rank_skips():
    # Shown with one decimal, 5.04 and 5.0 are both 5,0: a tie. Lowest first: 3.0 → 1, 5.0 and 5.04 → 2, 7.0 → 4.
    frame = ranking.ranks(one_period([5.04, 5.0, 7.0, 3.0]), kpi_with(Direction.LOWER_BETTER), group=[1, 2])
    assert frame["rank"].tolist() == [2, 2, 4, 1]
    assert frame["ranked"].tolist() == [4] * 4
    # Higher is better: 7.0 → 1, the two 5.0 → 2, 3.0 → 4.
    frame = ranking.ranks(one_period([5.04, 5.0, 7.0, 3.0]), kpi_with(Direction.HIGHER_BETTER), group=[1, 2])
    assert frame["rank"].tolist() == [2, 2, 1, 4]
    # Within the group {1, 2}: both share place 1.
    assert frame["group_rank"].tolist()[:2] == [1, 1] and frame["group_ranked"].tolist()[0] == 2


@pytest.mark.parametrize("direction", [Direction.NEUTRAL, Direction.TARGET_BAND])
def test_without_a_better_direction_rank_one_is_the_lowest_value_and_it_says_so(direction):
    frame = ranking.ranks(one_period([2.0, 1.0, 3.0]), kpi_with(direction), group=[1])
    assert frame["rank"].tolist() == [2, 1, 3]
    assert ranking.order_text(kpi_with(direction)) == \
        "Nr. 1 har den laveste værdi; rækkefølgen siger ikke, hvad der er bedst."


def test_hidden_values_and_municipalities_without_a_value_get_no_rank_and_move_no_one():
    # 2 is hidden and 3 has no value: 1 (4.0) and 4 (1.0) are ranked among themselves only, lowest first.
    frame = ranking.ranks(one_period([4.0, 0.5, None, 1.0], [False, True, False, False]),
                          kpi_with(Direction.LOWER_BETTER), group=[1, 2, 3])
    assert frame["rank"].isna().tolist() == [False, True, True, False]
    assert frame.loc[[0, 3], "rank"].tolist() == [2, 1]
    assert frame["ranked"].tolist() == [2] * 4
    # In the group {1, 2, 3} only 1 has a shown value.
    assert frame.loc[0, "group_rank"] == 1 and frame.loc[0, "group_ranked"] == 1


@pytest.fixture
def engine(small) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), small.warehouse)


def test_svendborgs_rank_and_place_in_its_cluster_month_by_month(engine):
    # Placed per 1,000 aged 0-22 (neutral: lowest first), as Svendborg's leader sees them:
    #   January:  410 0 / 2,000 = 0.0; 479 1 / 1,250 × 1,000 = 0.8; 420 5 / 500 × 1,000 = 10.0 (shown to 479,
    #             its hiding protects only 479's own figure) → 410 1st, 479 2nd, 420 3rd.
    #   February: 0.0, 2 / 1,250 × 1,000 = 1.6, 10.0 → 479 2nd of 3.
    #   March:    410 (1 child) and 420 (hidden with it) are hidden from Svendborg: 479 1st of 1.
    frame = engine.ranking(scope(Role.LEADER), "K-UBU-PLAC-1000").set_index(["period", "municipality_code"])
    assert frame.loc[(MONTHS[0], 410), "rank"] == 1 and frame.loc[(MONTHS[0], 420), "rank"] == 3
    assert frame.loc[(MONTHS[0], 479), "name"] == "Svendborg"
    assert pd.isna(frame.loc[(MONTHS[2], 410), "rank"]) and frame.loc[(MONTHS[2], 410), "suppressed"]
    assert pd.isna(frame.loc[(MONTHS[0], 101), "rank"])  # no data for København in the scenario
    assert frame.attrs["order"].startswith("Nr. 1 har den laveste værdi")
    position = engine.position(scope(Role.LEADER), "K-UBU-PLAC-1000").set_index("period")
    assert position["rank"].tolist() == [2, 2, 1]
    assert position["ranked"].tolist() == [3, 3, 1]
    # The cluster is Svendborg and six others, four of them without data in the scenario.
    assert position["group_size"].tolist() == [7, 7, 7]
    assert position.loc[MONTHS[0], "group_text"] == "2 af 3 (4 kommuner uden et tal, der kan vises)"
    assert position.loc[MONTHS[2], "group_text"] == "1 af 1 (6 kommuner uden et tal, der kan vises)"
    assert position.attrs["group_kind"] is GroupKind.CLUSTER


def test_quarters_rank_the_quarter_values(engine):
    # Q1, averages of the months: 479 (1 + 2 + 2) / 3 = 1.67 placed → 1.33 per 1,000 (its own, shown);
    # 420 and 410 are hidden from Svendborg in March, so their quarters are hidden too: 479 is 1st of 1.
    frame = engine.position(scope(Role.LEADER), "K-UBU-PLAC-1000", granularity="quarter")
    assert frame["value"].tolist() == pytest.approx([5 / 3 / 1250 * 1000])
    assert frame["rank"].tolist() == [1] and frame["ranked"].tolist() == [1]
