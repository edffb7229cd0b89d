"""Each catalogue KPI on a hand-made scenario (tests/scenario.py, tests/scenario_kerteminde.py), worked out by hand.

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
from datetime import date

import pytest

from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from .helpers import scope

NAN = math.nan
# 479's disposition at the end of each month (A, C and D; B's 50,000 for 1-10 March at the end of February):
# Feb-Dec is 334 days, Mar-Dec 306 and Apr-Dec 275.
COMMITTED_479 = {1: 48_000 * 334 / 30.44, 2: 48_000 * 306 / 30.44 + 50_000 * 10 / 30.44, 3: 48_000 * 275 / 30.44}

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
    # Postings linked to foster-family grants: 420 pays only F (network, 50,000 a month); 479 pays A (general
    # foster family, 30,000); 410 pays G (general) 7,741.94 in March.
    "K-UBU-EXP-NETPF-SHARE": {(420, 1): (50_000, 50_000, 100.0), (479, 2): (0, 30_000, 0.0),
                              (410, 3): (0, 7_741.94, 0.0), (410, 1): (0, 0, NAN)},
    # Disposition at the month's end: each active grant's monthly cost for every day left to 31 December
    # (or its end), over 30.44 days a month. 479 at the end of January: A 30,000, C 8,000 and D 10,000 a
    # month for the 334 days of February-December (B starts 15 February).
    "K-ECO-DISPOSED": {(479, 1): (COMMITTED_479[1], 1, COMMITTED_479[1]),
                       (479, 2): (COMMITTED_479[2], 1, COMMITTED_479[2]),
                       (479, 3): (COMMITTED_479[3], 1, COMMITTED_479[3]),
                       (410, 1): (0, 1, 0.0)},  # G starts 20 March
    # Spend so far this year plus the disposition, of the year's corrected budget (744,000; 410: 120,000).
    "K-ECO-FORECAST-USE": {
        (479, 1): (40_000 + COMMITTED_479[1], 744_000, (40_000 + COMMITTED_479[1]) / 744_000 * 100),
        (479, 3): (185_629.03 + COMMITTED_479[3], 744_000, (185_629.03 + COMMITTED_479[3]) / 744_000 * 100),
        # G: 7,741.94 paid in March, 20,000 a month for the 275 days of April-December.
        (410, 3): (7_741.94 + 20_000 * 275 / 30.44, 120_000, (7_741.94 + 20_000 * 275 / 30.44) / 120_000 * 100),
    },
    # The same forecast minus the budget, in kroner: 479 expects to spend less than its budget.
    "K-ECO-OVERUNDER": {(479, 2): (129_500 + COMMITTED_479[2] - 744_000, 1, 129_500 + COMMITTED_479[2] - 744_000)},
}


# Kerteminde (440), tests/scenario_kerteminde.py; (municipality, month) as above, or "Q1" for the quarter.
# Grants active: January 9 (P1, P3, P4, P5, P6, P8, P10, K1, K3), February 11 (P4, P6 out; P7, P9, K2 in),
# March 12 (P4 out; P2, K4 in). Started: January 2 (P4, P6), February 3 (P7, P9, K2), March 2 (P2, K4).
# Ended: January P6, February P4, March P7 and K4.
KERTEMINDE = {
    # 5.28.23: K1 100,000 a month, K2 90,000 from February; 1,000 residents aged 0-22.
    "K-UBU-EXP-DI-POP": {1: (100_000, 1000, 100.0), 2: (190_000, 1000, 190.0), 3: (190_000, 1000, 190.0),
                         # A quarter sums the spend and averages the residents: 480,000 / 1,000.
                         "Q1": (480_000, 1000, 480.0)},
    # The same spend per child at a residential institution: K1, then K1 and K2.
    "K-UBU-EXP-DI-REC": {1: (100_000, 1, 100_000.0), 2: (190_000, 2, 95_000.0),
                         # 480,000 / ((1 + 2 + 2) / 3 children on average) = 288,000.
                         "Q1": (480_000, 5 / 3, 288_000.0)},
    "K-UBU-EXP-SIKRET-REC": {2: (0, 0, NAN), 3: (300_000, 1, 300_000.0)},  # K4, March only
    # K3 in a municipal foster family; a count: divided by 1, the one municipality with data.
    "K-UBU-PLAC-KOMPF": {1: (1, 1, 1.0), 3: (1, 1, 1.0), "Q1": (1, 1, 1.0)},
    # K1 (disability) alone in January; K2 (social problems) joins in February.
    "K-UBU-PLAC-REASON-BEH": {1: (0, 1, 0.0), 2: (1, 2, 50.0), "Q1": (2 / 3, 5 / 3, 40.0)},
    "K-UBU-PLAC-REASON-DIS": {1: (1, 1, 100.0), 3: (1, 2, 50.0), "Q1": (1, 5 / 3, 60.0)},
    # Placements started: K2 in February, K4 in March; per 1,000 of 1,000 residents. A quarter sums them.
    "K-UBU-STARTS": {1: (0, 1000, 0.0), 2: (1, 1000, 1.0), "Q1": (2, 1000, 2.0)},
    # § 85 (P5) per resident of §§ 107-108: January P3, P4 and P1; March P3, P1 and P2.
    "K-VH-85-VS-HOUSING": {1: (1, 3, 1 / 3), 3: (1, 3, 1 / 3)},
    # § 107 under 30: P3 (25) of P3 and P4 (39); in March P3 alone.
    "K-VH-107-UNDER30": {1: (1, 2, 50.0), 3: (1, 1, 100.0), "Q1": (1, 5 / 3, 60.0)},
    # Shelter nights over stays ended: January 10 / 1 (P6); February 28 nights, nobody left; March 5 / 1
    # (P7; K4's stay is not § 110). The quarter is the average stay: (10 + 28 + 5) / 2 = 21.5.
    "K-VH-110-DAYS": {1: (10, 1, 10.0), 2: (28, 0, NAN), 3: (5, 1, 5.0), "Q1": (43, 2, 21.5)},
    # P8 with a companion all quarter: 1 full-year person per 3,000 aged 18-64.
    "K-VH-COMP-HY": {2: (1, 3000, 1 / 3), "Q1": (1, 3000, 1 / 3)},
    # § 108: P1 all quarter, P2 all of March. Quarter: (31 + 28 + 62) days / 90 days = 121/90 full-year persons.
    "K-VH-108-HY": {1: (1, 4000, 0.25), 3: (2, 4000, 0.5), "Q1": (121 / 90, 4000, 121 / 90 / 4)},
    # 5.38.50 per full-year § 108 person: March 122,000 / 2; the quarter 242,000 / (121/90) = 180,000.
    "K-VH-UNITCOST-108": {1: (60_000, 1, 60_000.0), 3: (122_000, 2, 61_000.0), "Q1": (242_000, 121 / 90, 180_000.0)},
    "K-VH-EXP-97-REC": {1: (4_000, 1, 4_000.0)},  # P8, 5.38.53
    # P9 on 5.38.58: nothing paid in February (registered late), both months paid in March.
    "K-VH-EXP-103-REC": {1: (0, 0, NAN), 2: (0, 1, 0.0), 3: (24_000, 1, 24_000.0)},
    "K-VH-EXP-104-REC": {2: (20_000, 1, 20_000.0)},  # P10, 5.38.59
    # 5.38.52 paid for P3 only, shared by P3 and P4 in January; P3 alone in March.
    "K-VH-EXP-107-REC": {1: (50_000, 2, 25_000.0), 3: (50_000, 1, 50_000.0)},
    # Per resident (not full-year person): the quarter is 242,000 / ((1 + 1 + 2) / 3) = 181,500.
    "K-VH-EXP-108-REC": {3: (122_000, 2, 61_000.0), "Q1": (242_000, 4 / 3, 181_500.0)},
    "K-VH-EXP-110-REC": {1: (12_000, 1, 12_000.0), 2: (33_600, 1, 33_600.0), 3: (6_000, 1, 6_000.0)},
    # Days with a measure over the month's days. January: 8 people all 31 days and P6 10 days = 258 / 31;
    # February: 11 people all 28 days = 11; March: 11 all 31 days and P7 5 days = 346 / 31.
    # Quarter: (258 + 308 + 346) / 90 days.
    "K-ECO-HY-TOTAL": {1: (258 / 31, 1, 258 / 31), 2: (11, 1, 11.0), "Q1": (912 / 90, 1, 912 / 90)},
    # P5's grant (CPR: Nyborg) of the active grants; the quarter averages both sides: 1 / (32 / 3).
    "K-ECO-REIMB-GAP": {1: (1, 9, 100 / 9), 3: (1, 12, 100 / 12), "Q1": (1, 32 / 3, 9.375)},
    # P10 misses both target group and provider: one grant with missing fields.
    "K-DQ-MISSING": {1: (1, 9, 100 / 9), 2: (1, 11, 100 / 11)},
    # P9 registered 47 days after its February start, of 3 started in February; the quarter 1 of 7.
    "K-DQ-LATE": {1: (0, 2, 0.0), 2: (1, 3, 100 / 3), 3: (0, 2, 0.0), "Q1": (1, 7, 100 / 7)},
    # K1 (institution since January 2025) and K3 (foster family since 2019) are still placed a year on.
    "K-UBU-NOTPLAC-1Y": {2: (0, 2, 0.0)},
    # K3, the one child in a municipal foster family, placed on a grant that started January 2019: 84 whole
    # months to January 2026, then 85 and 86. The quarter averages the three months: 255 / 3.
    # Notifications about 0-17-year-olds per 1,000 residents aged 0-17 (the 1,000 ten-year-olds): January
    # U-1 and U-3, February U-2, March U-4; U-5 is in December 2025 and U-6 was quarantined. The year 2026
    # so far (January-March): 4 notifications over an average of 1,000 residents = 4.0 per 1,000.
    "K-UBU-NOTIF": {1: (2, 1000, 2.0), 2: (1, 1000, 1.0), "2026": (4, 1000, 4.0)},
    "K-UBU-DUR-KOMPF": {1: (84, 1, 84.0), 2: (85, 1, 85.0), 3: (86, 1, 86.0), "Q1": (255, 3, 85.0)},
}


# Nyborg (450) in the same delivery: outcome scores and the intervention staircase.
NYBORG = {
    # N1 -0.6 (3.0 → 2.4) and N2 +0.2 (2.0 → 2.2), both with the 6-month point in January 2026: -0.4 / 2.
    "K-EFF-VUM-6": {1: (-0.4, 2, -0.2), "Q1": (-0.4, 2, -0.2)},
    "K-EFF-VUM-12": {1: (0, 0, NAN)},  # no adult has been measured a year after the start yet
    # N3's well-being: 4.0 at the start, 5.0 at 6 months (September 2025), 6.5 at 12 months (March 2026).
    "K-EFF-WELL-6": {"2025-09": (1.0, 1, 1.0)},
    "K-EFF-WELL-12": {3: (2.5, 1, 2.5), "Q1": (2.5, 1, 2.5)},
    # February 2026: N4 (institution, step 3 → contact person, step 1) stepped down, N5 (foster family) did not.
    # March 2026: N3 started family treatment (step 1) in March 2025 and is still there. Quarter: 1 of 3.
    "K-EFF-STEPDOWN": {2: (1, 2, 50.0), 3: (0, 1, 0.0), "Q1": (1, 3, 100 / 3)},
    # Placed a year before (the history starts in February 2025): N4 (institution until December 2025) and
    # N5 (foster family); a year later only N4 is no longer placed. Nobody can be followed from January 2025.
    "K-UBU-NOTPLAC-1Y": {1: (0, 0, NAN), 2: (1, 2, 50.0), 3: (1, 2, 50.0)},
}


# Faaborg-Midtfyn (430): three 18-year-olds placed before 18 (all three 18 or 19 in the first quarter).
FAABORG = {
    # January: Y3's stay kept up after 18; February and March: Y1's contact person as well. Y2 has none.
    # The quarter counts each month's young people: (1 + 2 + 2) / (3 + 3 + 3).
    "K-UBU-YOUTH-SUPPORT": {1: (1, 3, 100 / 3), 2: (2, 3, 200 / 3), 3: (2, 3, 200 / 3), "Q1": (5, 9, 500 / 9),
                            # July 2025: nobody yet (Y1 18 since June with nothing, Y2 since March; Y3 is 17).
                            "2025-07": (0, 2, 0.0)},
    # Placements active in the 12 months up to the month (from February 2025, where the history starts):
    # Y1 (February - May 2025), Y2 (February 2025), Y3's placement (February - July 2025) and his stay kept up
    # after 18 (BL § 114, from August 2025, open), and Z1-Z5. Breakdowns: Z1 (October 2025, left), Z2
    # (January 2026, the family gave up), Z5 (March 2026, left); Z3 went home, Y1-Y3 ended without a reason.
    # 2025 (December: February-December 2025): Y1, Y2, Y3 ×2, Z1, Z2, Z3, Z4 = 8, of which Z1 broke down.
    # January 2026 (February 2025 - January 2026): the same 8; Z1 and Z2 broke down.
    # February 2026 (March 2025 - February 2026): Y2 drops out, Z5 comes in: 8; still Z1 and Z2.
    # March 2026 (April 2025 - March 2026): the same 8; Z1, Z2 and Z5. The quarter and the year 2026 (so far)
    # take their last month, March.
    "K-UBU-BREAKDOWN": {"2025": (1, 8, 12.5), 1: (2, 8, 25.0), 2: (2, 8, 25.0), 3: (3, 8, 37.5),
                        "Q1": (3, 8, 37.5), "2026": (3, 8, 37.5)},
    # Assessed young people whose contact person ended at 17, counted in the month their 30 days ran out:
    # T1 (June 2025: § 85 after 6 days), T2 (October 2025: § 85 after 90 days, a gap), T3 (December 2025: none,
    # a gap), T4 (February 2026: § 104 already running), T5 (March 2026: § 107 after exactly 30 days, in time).
    # T6 was not assessed; T7's 30 days run out in April, after the months. 2025: 2 of 3; 2026 so far: 0 of 2.
    "K-UBU-TRANS-GAP": {"2025": (2, 3, 200 / 3), "2025-10": (1, 1, 100.0), "2025-06": (0, 1, 0.0),
                        2: (0, 1, 0.0), 3: (0, 1, 0.0), "Q1": (0, 2, 0.0), "2026": (0, 2, 0.0)},
    # Y4's 10,000 a month is claimable from Nyborg from the family's move on 1 June 2025: June-December
    # 2025 = 70,000, January-March 2026 = 30,000. Received on 7.7: 10,000 (15 August, June) and 30,000
    # (20 November, July-September) in 2025; 30,000 (10 February 2026, October-December) in 2026. So
    # 40,000 / 70,000 = 57.1 % for 2025 and 30,000 / 30,000 = 100 % for 2026 so far; in February 2026
    # alone 30,000 received against 10,000 claimable.
    "K-ECO-REIMB-RECOV": {"2025": (40000, 70000, 400 / 7), "2026": (30000, 30000, 100.0),
                          2: (30000, 10000, 300.0), 1: (0, 10000, 0.0)},
}


@pytest.fixture(scope="module")
def engine(small) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), small.warehouse)


@pytest.fixture(scope="module")
def kerteminde_engine(kerteminde) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), kerteminde.warehouse)


def cases():
    for kpi_id, cells in EXPECTED.items():
        for (municipality, month), expected in cells.items():
            yield pytest.param(kpi_id, municipality, month, expected, id=f"{kpi_id}-{municipality}-{month}")


def check(row, expected) -> None:
    numerator, denominator, value = expected
    assert row["numerator"] == pytest.approx(numerator)
    assert row["denominator"] == pytest.approx(denominator)
    if math.isnan(value):
        assert math.isnan(row["value"])
    else:
        assert row["value"] == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize(("kpi_id", "municipality", "month", "expected"), list(cases()))
def test_kpi_value_worked_out_by_hand(engine, kpi_id, municipality, month, expected):
    frame = engine.values(scope(Role.LEADER, municipality), kpi_id, municipalities=[municipality])
    check(frame[[p.month == month for p in frame["period"]]].iloc[0], expected)


@pytest.mark.parametrize(("kpi_id", "municipality", "period", "expected"), [
    pytest.param(kpi_id, municipality, period, expected, id=f"{kpi_id}-{municipality}-{period}")
    for municipality, table in ((440, KERTEMINDE), (450, NYBORG), (430, FAABORG))
    for kpi_id, cells in table.items() for period, expected in cells.items()])
def test_kerteminde_kpi_value_worked_out_by_hand(kerteminde_engine, kpi_id, municipality, period, expected):
    """period: a month of 2026, "Q1" for the first quarter of 2026, "YYYY" for a year, or "YYYY-MM"."""
    granularity = "quarter" if period == "Q1" else "year" if len(str(period)) == 4 else "month"
    frame = kerteminde_engine.values(scope(Role.LEADER, municipality), kpi_id, municipalities=[municipality],
                                     granularity=granularity)
    if period == "Q1":
        wanted = date(2026, 1, 1)
    elif granularity == "year":
        wanted = date(int(period), 1, 1)
    elif isinstance(period, int):
        wanted = date(2026, period, 1)
    else:
        wanted = date(int(period[:4]), int(period[5:]), 1)
    check(frame[frame["period"] == wanted].iloc[0], expected)


def test_every_kpi_in_the_catalogue_has_a_hand_worked_case():
    in_test_kpi = {"K-UBU-PLAC-1000", "K-ECO-BUDGET-USE"}
    covered = set(EXPECTED) | set(KERTEMINDE) | set(NYBORG) | set(FAABORG) | in_test_kpi
    assert len(covered) >= 40
    assert set(load_catalogue().kpis) == covered
