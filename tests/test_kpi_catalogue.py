"""Each catalogue KPI on the hand-made scenario (tests/scenario.py), worked out by hand.

January-March 2026, each municipality seen by its own leader (so nothing of its own is hidden):
    479: A in a general foster family (BL § 46) all quarter; B at a socio-pedagogical residential home
         without consent (BL § 47) 15 Feb - 10 Mar; C with a contact person (supportive); D, 35, with
         § 85 support. Postings: A 30,000 a month on 5.28.22; B 50,000 (15 Feb) and 16,129.03 (1 Mar)
         on 5.28.20; D 10,000 a month on 5.38.38; -500 on 5.28.21 in February.
         Residents: 1,250 aged 0-22; 250 + 999 + 3,000 = 4,249 aged 18 and over.
    420: E in a reinforced foster family, from 11 Feb at a residential home (more days there in
         February, so that is where she counts); F in a network foster family; H, I and J in general
         foster families. 50,000 a month on 5.28.22. Residents 0-22: 500.
    410: G in a general foster family from 20 March; 7,741.94 on 5.28.22 in March. Residents 0-22: 2,000.
"""

from __future__ import annotations

import math

import pytest

from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from .helpers import scope

NAN = math.nan

# KPI → (municipality, month) → (numerator, denominator, value); NAN: no value (denominator 0).
EXPECTED = {
    "K-UBU-PLAC-PF-SHARE": {
        (479, 1): (1, 1, 100.0), (479, 2): (1, 2, 50.0), (479, 3): (1, 2, 50.0),  # B is not in a foster family
        (420, 1): (5, 5, 100.0), (420, 2): (4, 5, 80.0), (420, 3): (4, 5, 80.0),  # E moved to a home
    },
    "K-UBU-PLAC-NET": {(420, 1): (1, 5, 20.0), (420, 3): (1, 5, 20.0), (479, 2): (0, 2, 0.0)},  # F only
    "K-UBU-PLAC-DI-SHARE": {
        (479, 1): (0, 1, 0.0), (479, 2): (1, 2, 50.0), (479, 3): (1, 2, 50.0),
        (420, 1): (0, 5, 0.0), (420, 2): (1, 5, 20.0), (420, 3): (1, 5, 20.0),
    },
    "K-UBU-NOCONSENT": {(479, 1): (0, 1, 0.0), (479, 2): (1, 2, 50.0), (420, 2): (0, 5, 0.0)},  # B: § 47
    "K-UBU-SUPP-1000": {(479, 1): (1, 1250, 0.8), (479, 3): (1, 1250, 0.8), (420, 1): (0, 500, 0.0)},  # C
    "K-UBU-EXP-PLAC-POP": {
        (479, 1): (30_000, 1250, 24.0), (479, 2): (80_000, 1250, 64.0),  # A + B; the -500 is 5.28.21
        (479, 3): (46_129.03, 1250, 36.903224),
        (420, 2): (50_000, 500, 100.0), (410, 1): (0, 2000, 0.0), (410, 3): (7_741.94, 2000, 3.87097),
    },
    "K-UBU-EXP-PLAC-REC": {
        (479, 1): (30_000, 1, 30_000.0), (479, 2): (80_000, 2, 40_000.0), (479, 3): (46_129.03, 2, 23_064.515),
        (420, 1): (50_000, 5, 10_000.0),
    },
    "K-UBU-EXP-PF-REC": {
        (479, 2): (30_000, 1, 30_000.0),
        (420, 1): (50_000, 5, 10_000.0), (420, 2): (50_000, 4, 12_500.0), (410, 3): (7_741.94, 1, 7_741.94),
    },
    "K-UBU-EXP-OPH-REC": {
        (479, 1): (0, 0, NAN), (479, 2): (50_000, 1, 50_000.0), (479, 3): (16_129.03, 1, 16_129.03),
        (420, 2): (0, 1, 0.0),  # E's home is paid by nobody in this delivery
    },
    "K-UBU-EXP-PREV-SHARE": {
        (479, 1): (0, 30_000, 0.0), (479, 2): (-500, 79_500, -0.628931), (479, 3): (0, 46_129.03, 0.0),
    },
    # D, 35, is the only adult: 1 / 4,249 × 1,000 = 0.2353 for § 85, and nobody under the other paragraphs.
    "K-VH-85-1000": {(479, 1): (1, 4249, 0.2353495), (479, 3): (1, 4249, 0.2353495)},
    "K-VH-97-1000": {(479, 1): (0, 4249, 0.0)},
    "K-VH-103-1000": {(479, 1): (0, 4249, 0.0)},
    "K-VH-104-1000": {(479, 1): (0, 4249, 0.0)},
    "K-VH-107-1000": {(479, 1): (0, 4249, 0.0)},
    "K-VH-108-1000": {(479, 1): (0, 4249, 0.0)},
    "K-VH-110-1000": {(479, 2): (0, 4249, 0.0)},
    "K-VH-EXP-85-REC": {(479, 1): (10_000, 1, 10_000.0), (479, 2): (10_000, 1, 10_000.0)},
}


@pytest.fixture(scope="module")
def engine(small) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), small.warehouse)


def cases():
    for kpi_id, cells in EXPECTED.items():
        for (municipality, month), expected in cells.items():
            yield pytest.param(kpi_id, municipality, month, expected, id=f"{kpi_id}-{municipality}-{month}")


@pytest.mark.parametrize(("kpi_id", "municipality", "month", "expected"), list(cases()))
def test_kpi_value_worked_out_by_hand(engine, kpi_id, municipality, month, expected):
    frame = engine.values(scope(Role.LEADER, municipality), kpi_id, municipalities=[municipality])
    row = frame[[p.month == month for p in frame["period"]]].iloc[0]
    numerator, denominator, value = expected
    assert row["numerator"] == pytest.approx(numerator)
    assert row["denominator"] == pytest.approx(denominator)
    if math.isnan(value):
        assert math.isnan(row["value"])
    else:
        assert row["value"] == pytest.approx(value, rel=1e-6)


def test_every_kpi_in_the_catalogue_has_a_hand_worked_case():
    covered = set(EXPECTED) | {"K-UBU-PLAC-1000", "K-ECO-BUDGET-USE"}  # these two: tests/test_kpi.py
    assert set(load_catalogue().kpis) == covered
