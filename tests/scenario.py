"""A small delivery with every figure worked out by hand (see the comments for the arithmetic).

Extraction 1 April 2026, so the months are January-March 2026 (the first posting month
starts the history). Svendborg (479) is "our" municipality; Middelfart (410) and Assens
(420) are two of its configured comparison municipalities.

Placed children by paying municipality and month (unique persons):
    479: Jan 1 (A)      Feb 2 (A, B)      Mar 2 (A, B until 10 March)
    420: Jan 5          Feb 5 (E twice)   Mar 5         (E, F, H, I, J)
    410: Jan 0          Feb 0             Mar 1 (G from 20 March)
Residents aged 0-22 in the newest quarter (2026K1): 479 1,250; 420 500; 410 2,000.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import deliveries as d

STAMP = "20260401"
AS_OF = date(2026, 4, 1)

# CPR numbers in replacement style (day + 60), with the birth dates they encode.
A, B, C, D = "7005124121", "7502154122", "6103104133", "8104902124"
E, F, G = "6707114231", "8001084332", "7111144441"
H, I_, J = "6303134551", "7606164662", "6909094773"  # I_ : "I" reads like 1

POPULATION_0_22 = {479: 1250, 420: 500, 410: 2000}
PLACED = {  # (municipality, month) → unique placed children
    (479, 1): 1, (479, 2): 2, (479, 3): 2,
    (420, 1): 5, (420, 2): 5, (420, 3): 5,
    (410, 1): 0, (410, 2): 0, (410, 3): 1,
}

# 479's bookings on the grants, by month; the -500 correction has no grant.
SPEND_479 = {1: 30_000 + 10_000, 2: 30_000 + 50_000 + 10_000 - 500, 3: 30_000 + 16_129.03 + 10_000}
BUDGET_479 = 400_000 + 200_000 + 120_000 + 24_000  # corrected budgets 2026, all functions: 744,000
SPEND_410 = {1: 0, 2: 0, 3: 7_741.94}
BUDGET_410 = 120_000
SPEND_420 = {1: 50_000, 2: 50_000, 3: 50_000}
BUDGET_420 = 600_000


def write_small_delivery(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    kmd_479 = [
        # A: general foster family since June 2025, open-ended, 30,000 a month.
        d.kmd_grant(479, "1001", A, "BL-46", date(2025, 6, 1), None, "30000,00", caseworker="AZ47901",
                    placement="Almen plejefamilie"),
        # B: residential home 15 February - 10 March 2026, placed without consent.
        d.kmd_grant(479, "1002", B, "BL-47", date(2026, 2, 15), date(2026, 3, 10), "50000,00",
                    caseworker="AZ47901", placement="Socialpædagogisk opholdssted", account="528201003",
                    provider="Opholdsstedet Egebakken", cvr="12345678"),
        # C: contact person (supportive, not a placement), planned to end 31 December 2026.
        d.kmd_grant(479, "1003", C, "BL-32-1.3", date(2025, 9, 1), date(2026, 12, 31), "8000,00",
                    caseworker="AZ47901", account="528211001", service="Fast kontaktperson",
                    provider="Svendborg Kommune, Familiehuset"),
        # D: an adult with socio-pedagogical support (SEL § 85), another caseworker.
        d.kmd_grant(479, "1004", D, "SEL-85", date(2024, 1, 1), None, "10000,00", caseworker="AZ47909",
                    account="538381005", service="Socialpædagogisk støtte"),
        # A row with an impossible date: quarantined, never loaded (line 6 of the file).
        d.kmd_grant(479, "1005", C, "BL-32-1.3", date(2026, 1, 1), None, "100,00", caseworker="AZ47901",
                    account="528211001") | {"Startdato": "31-02-2026"},
    ]
    d.write_kmd(folder, 479, STAMP, kmd_479)
    d.write_kmd(folder, 410, STAMP, [
        d.kmd_grant(410, "2001", G, "BL-46", date(2026, 3, 20), None, "20000,00", caseworker="AZ41001",
                    placement="Almen plejefamilie"),
    ])
    d.write_dubu(folder, 420, STAMP, [
        # E moves on 11 February from a reinforced foster family to a residential home: one person in February.
        d.dubu_measure(420, "e-1", E, ("BL", "46"), date(2025, 1, 1), date(2026, 2, 10), 40000.0,
                       placement="PLEJEFAMILIE_FORSTAERKET"),
        d.dubu_measure(420, "e-2", E, ("BL", "46"), date(2026, 2, 11), None, 90000.0, placement="OPHOLDSSTED",
                       account="528201003"),
        d.dubu_measure(420, "f-1", F, ("BL", "46"), date(2024, 6, 1), None, 12000.0,
                       placement="NETVAERKSPLEJEFAMILIE"),
        d.dubu_measure(420, "h-1", H, ("BL", "46"), date(2025, 1, 1), None, 30000.0, placement="PLEJEFAMILIE_ALMEN"),
        '{"kommunekode": "0420", "sagsid": broken',  # line 5: not JSON, quarantined
        d.dubu_measure(420, "i-1", I_, ("BL", "46"), date(2025, 1, 1), None, 30000.0, placement="PLEJEFAMILIE_ALMEN"),
        d.dubu_measure(420, "j-1", J, ("BL", "46"), date(2025, 1, 1), None, 30000.0, placement="PLEJEFAMILIE_ALMEN"),
    ])
    d.write_postings(folder, 479, STAMP, [
        d.posting(1, date(2026, 1, 1), "528221002", "30000,00", A, "KMD", "1001"),
        d.posting(2, date(2026, 2, 1), "528221002", "30000,00", A, "KMD", "1001"),
        d.posting(3, date(2026, 3, 1), "528221002", "30000,00", A, "KMD", "1001"),
        d.posting(4, date(2026, 2, 15), "528201003", "50000,00", B, "KMD", "1002"),
        d.posting(5, date(2026, 3, 1), "528201003", "16129,03", B, "KMD", "1002"),
        d.posting(6, date(2026, 1, 1), "538381005", "10000,00", D, "KMD", "1004"),
        d.posting(7, date(2026, 2, 1), "538381005", "10000,00", D, "KMD", "1004"),
        d.posting(8, date(2026, 3, 1), "538381005", "10000,00", D, "KMD", "1004"),
        d.posting(9, date(2026, 2, 20), "528211001", "-500,00"),
        # Thousands separator: quarantined (line 11 of the file), so not part of any figure.
        d.posting(10, date(2026, 3, 5), "528211001", "1.234,50", C, "KMD", "1003"),
    ])
    d.write_budget(folder, 479, STAMP, [
        (2026, "5.28.22", "380000,00", "400000,00"), (2026, "5.28.20", "200000,00", "200000,00"),
        (2026, "5.38.38", "100000,00", "120000,00"), (2026, "5.28.21", "20000,00", "24000,00"),
    ])
    d.write_postings(folder, 410, STAMP, [d.posting(1, date(2026, 3, 20), "528221002", "7741,94", G, "KMD", "2001")])
    d.write_budget(folder, 410, STAMP, [(2026, "5.28.22", "120000,00", "120000,00")])
    d.write_postings(folder, 420, STAMP, [
        d.posting(month, date(2026, month, 1), "528221002", "50000,00", F, "DUBU", "f-1") for month in (1, 2, 3)])
    d.write_budget(folder, 420, STAMP, [(2026, "5.28.22", "600000,00", "600000,00")])
    d.write_cpr(folder, STAMP, [  # J is missing from the CPR extract on purpose
        (A, "Alfred", "Andersen", "M", date(2012, 5, 10), 479), (B, "Bodil", "Berg", "K", date(2015, 2, 15), 479),
        (C, "Carl", "Clausen", "M", date(2010, 3, 1), 479), (D, "Dorthe", "Dam", "K", date(1990, 4, 21), 479),
        (E, "Emil", "Eriksen", "M", date(2011, 7, 7), 420), (F, "Frida", "Frost", "K", date(2008, 1, 20), 420),
        (G, "Georg", "Gram", "M", date(2014, 11, 11), 410), (H, "Hans", "Holm", "M", date(2013, 3, 3), 420),
        (I_, "Ida", "Iversen", "K", date(2016, 6, 16), 420),
    ])
    d.write_population(folder, STAMP, [
        ("Svendborg", "Mænd", "5 år", "2026K1", 500), ("Svendborg", "Kvinder", "5 år", "2026K1", 500),
        ("Svendborg", "Kvinder", "22 år", "2026K1", 250), ("Svendborg", "Mænd", "23 år", "2026K1", 999),
        ("Svendborg", "Mænd", "40 år", "2026K1", 3000),
        ("Svendborg", "Mænd", "5 år", "2025K4", 1000),  # an older quarter: the newest one counts
        ("Assens", "Mænd", "10 år", "2026K1", 300), ("Assens", "Kvinder", "10 år", "2026K1", 200),
        ("Middelfart", "Mænd", "0 år", "2026K1", 1000), ("Middelfart", "Kvinder", "17 år", "2026K1", 1000),
    ])
