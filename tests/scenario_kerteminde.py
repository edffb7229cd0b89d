"""A second hand-made delivery: Kerteminde (440) with adults under every paragraph, children at
residential institutions, and registration mistakes. Every figure is worked out by hand in
tests/test_kpi_catalogue.py from the rows written here.

Extraction 1 April 2026. Everybody is registered in KMD Børn og Voksne by the municipality that both
acts and pays. Kerteminde's figures are read for January-March 2026; grants active per month (for the
data-quality shares): January 9, February 11, March 12.

Nyborg (450) holds the outcome cases (F-KOM-EFFECT): scores measured at the start of a measure and
again later, and children moving down the intervention staircase. Its first posting (February 2025)
starts the history, so the months run February 2025 - March 2026 and a start in February 2025 has
its 12-month point inside them.

Faaborg-Midtfyn (430) holds three young people placed before they turned 18, for youth support,
five children whose placements end in different ways (K-UBU-BREAKDOWN) and seven young people with a
contact person until about 18, most of them assessed to need adult support (K-UBU-TRANS-GAP), and
Y4, whose family moved to Nyborg on 1 June 2025: Nyborg pays, Faaborg acts and claims reimbursement.

Kerteminde's notifications (KMD): five about children, one with a CPR number that cannot be (quarantined).

Residents (DST, 2026K1): 1,000 aged 0-22 (500 boys and 500 girls of 10), 3,000 aged 18-64 (1,500 men
of 30, 1,500 women of 50) and 1,000 women of 70: 4,000 aged 18 and over.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import deliveries as d

STAMP = "20260401"
AS_OF = date(2026, 4, 1)
MUNICIPALITY = 440
SOCIAL = "Børn og unge med sociale problemer"
DISABLED = "Børn og unge med handicap"

# Replacement-style CPR numbers (day + 60; seventh digit 0-3 for the 1900s, 4 for the 2000s).
P1, P2, P3, P4, P5 = "6505801011", "6101701012", "6106004013", "6303861014", "6101951015"
P6, P7, P8, P9, P10 = "6101751016", "6101601017", "6101761018", "6101911019", "6101661020"
K1, K2, K3, K4 = "6101124021", "6101104022", "6101144023", "6101094024"
N1, N2, N3, N4, N5 = "6101851051", "6101651052", "6101164053", "6101134054", "6101154055"
NYBORG = 450
FAABORG = 430
Y1, Y2, Y3 = "7506074301", "7003074302", "8008074303"
Z1, Z2, Z3, Z4, Z5 = "6503114306", "8009124307", "7001134309", "6205144308", "6707104310"
T1, T2, T3, T4, T5, T6, T7 = ("7005074312", "6309074313", "8011074314", "7501084315", "6202084316", "6103084317",
                              "7103084319")
Y4 = "6505164304"

PEOPLE = [  # cpr, first name, last name, sex, birth date
    (P1, "Per", "Pallesen", "M", date(1980, 5, 5)), (P2, "Poul", "Poulsen", "M", date(1970, 1, 1)),
    (P3, "Pia", "Prahl", "K", date(2000, 6, 1)), (P4, "Palle", "Pedersen", "M", date(1986, 3, 3)),
    (P5, "Pernille", "Plum", "K", date(1995, 1, 1)), (P6, "Peter", "Post", "M", date(1975, 1, 1)),
    (P7, "Preben", "Prip", "M", date(1960, 1, 1)), (P8, "Petra", "Pind", "K", date(1976, 1, 1)),
    (P9, "Paw", "Pihl", "M", date(1991, 1, 1)), (P10, "Pauline", "Pryds", "K", date(1966, 1, 1)),
    (K1, "Karl", "Krogh", "M", date(2012, 1, 1)), (K2, "Kamma", "Kjær", "K", date(2010, 1, 1)),
    (K3, "Kaj", "Kirk", "M", date(2014, 1, 1)), (K4, "Kim", "Kragh", "M", date(2009, 1, 1)),
]
FAABORG_PEOPLE = [
    (Y1, "Yrsa", "Yde", "K", date(2007, 6, 15)), (Y2, "Yasmin", "Ytting", "K", date(2007, 3, 10)),
    (Y3, "Yngve", "Yding", "M", date(2007, 8, 20)),
    (Z1, "Zenia", "Zahle", "K", date(2011, 3, 5)), (Z2, "Zaki", "Zeuthen", "M", date(2012, 9, 20)),
    (Z3, "Zander", "Zink", "M", date(2013, 1, 10)), (Z4, "Zoe", "Zachariassen", "K", date(2014, 5, 2)),
    (Z5, "Zelma", "Zinck", "K", date(2010, 7, 7)),
    (T1, "Tilde", "Tang", "K", date(2007, 5, 10)), (T2, "Tobias", "Toft", "M", date(2007, 9, 3)),
    (T3, "Tea", "Thygesen", "K", date(2007, 11, 20)), (T4, "Theo", "Trier", "M", date(2008, 1, 15)),
    (T5, "Tina", "Tofte", "K", date(2008, 2, 2)), (T6, "Tage", "Tvede", "M", date(2008, 3, 1)),
    (T7, "Tim", "Tarp", "M", date(2008, 3, 11)),
]
NYBORG_PEOPLE = [
    (N1, "Nanna", "Nielsen", "K", date(1985, 1, 1)), (N2, "Niels", "Nygaard", "M", date(1965, 1, 1)),
    (N3, "Nora", "Nørby", "K", date(2016, 1, 1)), (N4, "Noah", "Nissen", "M", date(2013, 1, 1)),
    (N5, "Naja", "Nord", "K", date(2015, 1, 1)),
]


def _grant(number: str, cpr: str, paragraph: str, start: date, end: date | None, rate: str, account: str,
           target_group: str, *, placement: str = "", unit: str = "Måned", registered: date | None = None,
           provider: str = "Kerteminde Kommune, Socialområdet", caseworker: str = "AZ43001",
           municipality: int = MUNICIPALITY) -> dict:
    row = d.kmd_grant(municipality, number, cpr, paragraph, start, end, rate, caseworker=caseworker,
                      placement=placement, unit=unit, account=account, service="Indsats", provider=provider)
    return row | {"Målgruppe": target_group, "Oprettet": d.dmy(registered or start)}


def write_kerteminde_delivery(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    d.write_kmd(folder, MUNICIPALITY, STAMP, [
        # P1, 45: long-term residential home (§ 108) all quarter, 60,000 a month on 5.38.50.
        _grant("3001", P1, "SEL-108", date(2025, 1, 1), None, "60000,00", "538501001", "Udviklingshæmmede"),
        # P2, 56: § 108 from 1 March, 62,000 a month.
        _grant("3002", P2, "SEL-108", date(2026, 3, 1), None, "62000,00", "538501001", "Udviklingshæmmede"),
        # P3, 25: temporary residential home (§ 107) all quarter, 50,000 a month on 5.38.52.
        _grant("3003", P3, "SEL-107", date(2025, 6, 1), None, "50000,00", "538521001", "Sindslidende"),
        # P4, 39 then 40 (3 March): § 107 in January and February, ended 28 February; never paid here.
        _grant("3004", P4, "SEL-107", date(2026, 1, 1), date(2026, 2, 28), "50000,00", "538521001",
               "Sindslidende"),
        # P5, 31: § 85 support all quarter, 10,000 a month on 5.38.38. CPR says she lives in Kerteminde's
        # neighbour Nyborg (450): the paying municipality looks wrong.
        _grant("3005", P5, "SEL-85", date(2025, 1, 1), None, "10000,00", "538381005", "Sindslidende"),
        # P6: shelter (§ 110) 10-19 January, 10 nights at 1,200 a night on 5.38.42.
        _grant("3006", P6, "SEL-110", date(2026, 1, 10), date(2026, 1, 19), "1200,00", "538421001",
               "Socialt udsatte", unit="Døgn"),
        # P7: shelter 1 February - 5 March: 28 nights in February, 5 in March.
        _grant("3007", P7, "SEL-110", date(2026, 2, 1), date(2026, 3, 5), "1200,00", "538421001",
               "Socialt udsatte", unit="Døgn"),
        # P8, 50: companion scheme (§ 97) all quarter, 4,000 a month on 5.38.53.
        _grant("3008", P8, "SEL-97", date(2025, 1, 1), None, "4000,00", "538531001", "Fysisk handicappede"),
        # P9, 35: protected employment (§ 103) from 1 February, registered 20 March (47 days late);
        # February and March paid together in March.
        _grant("3009", P9, "SEL-103", date(2026, 2, 1), None, "12000,00", "538581001", "Udviklingshæmmede",
               registered=date(2026, 3, 20)),
        # P10, 60: activity and day centre (§ 104) all quarter, 20,000 a month on 5.38.59; no target group
        # and no provider registered (two findings, one grant with missing fields).
        _grant("3010", P10, "SEL-104", date(2025, 1, 1), None, "20000,00", "538591001", "", provider=""),
        # K1, 14: residential institution because of a disability, all quarter, 100,000 a month on 5.28.23.
        _grant("3011", K1, "BL-46", date(2025, 1, 1), None, "100000,00", "528231001", DISABLED,
               placement="Døgninstitution"),
        # K2, 16: residential institution because of social problems from 1 February, 90,000 a month.
        _grant("3012", K2, "BL-46", date(2026, 2, 1), None, "90000,00", "528231002", SOCIAL,
               placement="Døgninstitution"),
        # K3, 12: municipal foster family (the type before 2020) since 2019, 25,000 a month on 5.28.22.
        _grant("3013", K3, "BL-46", date(2019, 1, 1), None, "25000,00", "528221002", SOCIAL,
               placement="Kommunal plejefamilie"),
        # K4, 17: secure institution all of March, 300,000 on 5.28.24.
        _grant("3014", K4, "BL-46", date(2026, 3, 1), date(2026, 3, 31), "300000,00", "528241001", SOCIAL,
               placement="Sikret døgninstitution"),
    ])
    monthly = [  # (first voucher, cpr, grant, account, amount), paid on the 1st of January, February and March
        (1, P1, "3001", "538501001", "60000,00"), (4, P3, "3003", "538521001", "50000,00"),
        (7, P5, "3005", "538381005", "10000,00"), (10, P8, "3008", "538531001", "4000,00"),
        (13, P10, "3010", "538591001", "20000,00"), (16, K1, "3011", "528231001", "100000,00"),
        (19, K3, "3013", "528221002", "25000,00"),
    ]
    postings = [d.posting(first + index, date(2026, month, 1), account, amount, cpr, "KMD", grant)
                for first, cpr, grant, account, amount in monthly for index, month in enumerate((1, 2, 3))]
    postings += [
        d.posting(30, date(2026, 3, 1), "538501001", "62000,00", P2, "KMD", "3002"),
        d.posting(31, date(2026, 1, 20), "538421001", "12000,00", P6, "KMD", "3006"),  # 10 × 1,200
        d.posting(32, date(2026, 2, 28), "538421001", "33600,00", P7, "KMD", "3007"),  # 28 × 1,200
        d.posting(33, date(2026, 3, 6), "538421001", "6000,00", P7, "KMD", "3007"),  # 5 × 1,200
        d.posting(34, date(2026, 3, 25), "538581001", "24000,00", P9, "KMD", "3009"),  # February and March
        d.posting(35, date(2026, 2, 1), "528231002", "90000,00", K2, "KMD", "3012"),
        d.posting(36, date(2026, 3, 1), "528231002", "90000,00", K2, "KMD", "3012"),
        d.posting(37, date(2026, 3, 1), "528241001", "300000,00", K4, "KMD", "3014"),
    ]
    d.write_postings(folder, MUNICIPALITY, STAMP, postings)
    d.write_cpr(folder, STAMP, [(cpr, first, last, sex, born, MUNICIPALITY) for cpr, first, last, sex, born in PEOPLE]
                + [(cpr, first, last, sex, born, NYBORG) for cpr, first, last, sex, born in NYBORG_PEOPLE]
                + [(cpr, first, last, sex, born, FAABORG) for cpr, first, last, sex, born in FAABORG_PEOPLE]
                + [(Y4, "Yvonne", "Yssing", "K", date(2016, 5, 5), NYBORG)])
    _write_nyborg(folder)
    _write_faaborg(folder)
    _write_notifications(folder)
    (folder / f"CPR_ADRESSER_{STAMP}.csv").write_text(
        f"PNR;KOMKOD;TILFLYTNINGSDATO;FRAFLYTNINGSDATO\n{P5};0450;2020-01-01;\n"
        f"{Y4};0430;2016-05-05;2025-05-31\n{Y4};0450;2025-06-01;\n", encoding="utf-8")
    d.write_population(folder, STAMP, [
        ("Kerteminde", "Mænd", "10 år", "2026K1", 500), ("Kerteminde", "Kvinder", "10 år", "2026K1", 500),
        ("Kerteminde", "Mænd", "30 år", "2026K1", 1500), ("Kerteminde", "Kvinder", "50 år", "2026K1", 1500),
        ("Kerteminde", "Kvinder", "70 år", "2026K1", 1000),
    ])


def _write_nyborg(folder: Path) -> None:
    def grant(number, cpr, paragraph, start, end, account, target_group, **extra) -> dict:
        return _grant(number, cpr, paragraph, start, end, "10000,00", account, target_group, municipality=NYBORG,
                      provider="Nyborg Kommune", caseworker="AZ45001", **extra)

    d.write_kmd(folder, NYBORG, STAMP, [
        # N1, 40: § 85 support from 1 July 2025.
        grant("5001", N1, "SEL-85", date(2025, 7, 1), None, "538381005", "Sindslidende"),
        # N2, 60: long-term residential home (§ 108) from 15 July 2025.
        grant("5002", N2, "SEL-108", date(2025, 7, 15), None, "538501001", "Udviklingshæmmede"),
        # N3, 9: family treatment (supportive, step 1) from 1 March 2025.
        grant("5003", N3, "BL-32-1.5", date(2025, 3, 1), None, "528211001", SOCIAL),
        # N4, 12: residential institution (step 3) February-December 2025, then a contact person (step 1).
        grant("5004", N4, "BL-46", date(2025, 2, 1), date(2025, 12, 31), "528231002", SOCIAL,
              placement="Døgninstitution"),
        grant("5005", N4, "BL-32-1.3", date(2026, 1, 1), None, "528211001", SOCIAL),
        # N5, 10: general foster family (step 2) from 10 February 2025, still there a year later.
        grant("5006", N5, "BL-46", date(2025, 2, 10), None, "528221002", SOCIAL, placement="Almen plejefamilie"),
    ])
    # The first posting of the whole delivery: the history starts in February 2025.
    d.write_postings(folder, NYBORG, STAMP, [
        d.posting(1, date(2025, 2, 1), "528231002", "10000,00", N4, "KMD", "5004"),
        # Nyborg pays Faaborg's first claim for Y4 on artskonto 4.7 (an expense here, no income).
        d.posting(2, date(2025, 8, 14), "528211001", "10000,00", Y4) | {"Art": "47"}])
    rows = [  # cpr, date, instrument, score, grant
        # N1: baseline 3.0 (9 days after the start); 2.8 on 1 October is 92 days before the 6-month point
        # (1 January 2026), outside the 90-day window; 2.4 on 5 January is the 6-month score: change -0.6.
        (N1, date(2025, 7, 10), "VUM", "3,0", "5001"), (N1, date(2025, 10, 1), "VUM", "2,8", "5001"),
        (N1, date(2026, 1, 5), "VUM", "2,4", "5001"),
        # N2: baseline 2.0; 6-month point 15 January 2026, scored 2.2 on 20 February (36 days): change +0.2.
        (N2, date(2025, 7, 20), "VUM", "2,0", "5002"), (N2, date(2026, 2, 20), "VUM", "2,2", "5002"),
        # N3: well-being 4.0 at the start, 5.0 at 6 months (September 2025), 6.5 at 12 months (March 2026).
        (N3, date(2025, 3, 5), "TRIVSEL", "4,0", "5003"), (N3, date(2025, 9, 1), "TRIVSEL", "5,0", "5003"),
        (N3, date(2026, 3, 10), "TRIVSEL", "6,5", "5003"),
    ]
    path = folder / f"MAALINGER_{NYBORG:04d}_{STAMP}.csv"
    path.write_text("CPR;Dato;Instrument;Score;Fagsystem;Bevillingsreference\n" + "".join(
        f"{cpr};{day.isoformat()};{instrument};{score};KMD;{grant}\n" for cpr, day, instrument, score, grant in rows),
        encoding="utf-8")


def _write_faaborg(folder: Path) -> None:
    def grant(number, cpr, paragraph, start, end, **extra) -> dict:
        return _grant(number, cpr, paragraph, start, end, "20000,00", "528221002", SOCIAL, municipality=FAABORG,
                      provider="Plejefamilien Ybbesen", caseworker="AZ43002", **extra)

    def contact(number, cpr, start, end, assessed) -> dict:
        return grant(number, cpr, "BL-32-1.3", start, end) | {"Konto": "528211001", "Voksenbehov vurderet": assessed}

    def adult(number, cpr, paragraph, start, account) -> dict:
        return _grant(number, cpr, paragraph, start, None, "15000,00", account, "Sindslidende", municipality=FAABORG,
                      caseworker="AZ43003")

    d.write_kmd(folder, FAABORG, STAMP, [
        # Y1: foster family February-May 2025, aged 17 (18 on 15 June 2025); a contact person as youth
        # support (BL § 114, stk. 1, nr. 2) from 1 February 2026.
        grant("6001", Y1, "BL-46", date(2025, 2, 1), date(2025, 5, 31), placement="Almen plejefamilie"),
        grant("6002", Y1, "BL-114-1.2", date(2026, 2, 1), None),
        # Y2: foster family in February 2025 only, aged 17 (18 on 10 March 2025); no youth support since.
        grant("6003", Y2, "BL-46", date(2025, 2, 1), date(2025, 2, 28), placement="Almen plejefamilie"),
        # Y3: foster family from February 2025; turns 18 on 20 August 2025, when the stay is kept up as
        # youth support (BL § 114, stk. 1, nr. 1), still open.
        grant("6004", Y3, "BL-46", date(2025, 2, 1), date(2025, 7, 31), placement="Almen plejefamilie"),
        grant("6005", Y3, "BL-114-1.1", date(2025, 8, 1), None, placement="Almen plejefamilie"),
        # Placements ending in different ways, with KMD's end-reason codes (03: the young person left,
        # 04: the place gave up, 02: went home). Z1, 14: residential home March - 15 October 2025, left.
        grant("6010", Z1, "BL-46", date(2025, 3, 1), date(2025, 10, 15), placement="Socialpædagogisk opholdssted")
        | {"Konto": "528201003", "Ophørsårsag": "03"},
        # Z2, 13: reinforced foster family June 2024 - 31 January 2026, when the family gave up.
        grant("6011", Z2, "BL-46", date(2024, 6, 1), date(2026, 1, 31), placement="Forstærket plejefamilie")
        | {"Ophørsårsag": "04"},
        # Z3, 12: general foster family April - 30 November 2025, then home.
        grant("6012", Z3, "BL-46", date(2025, 4, 1), date(2025, 11, 30), placement="Almen plejefamilie")
        | {"Ophørsårsag": "02"},
        # Z4, 11: general foster family since 2024, still there.
        grant("6013", Z4, "BL-46", date(2024, 1, 1), None, placement="Almen plejefamilie"),
        # Z5, 15: residential institution 1 February - 20 March 2026, left.
        grant("6014", Z5, "BL-46", date(2026, 2, 1), date(2026, 3, 20), placement="Døgninstitution")
        | {"Konto": "528231002", "Ophørsårsag": "03"},
        # A contact person (BL § 32) until the day before the 18th birthday, adult need assessed (J) for all
        # but T6; then an adult measure (SEL) or none. T1: § 85 from 15 May 2025, 6 days after her contact
        # person ended on 9 May 2025.
        contact("6020", T1, date(2024, 3, 1), date(2025, 5, 9), "J"),
        adult("6021", T1, "SEL-85", date(2025, 5, 15), "538381005"),
        # T2: ended 2 September 2025; § 85 only from 1 December 2025 (90 days: later).
        contact("6022", T2, date(2025, 1, 1), date(2025, 9, 2), "J"),
        adult("6023", T2, "SEL-85", date(2025, 12, 1), "538381005"),
        # T3: ended 19 November 2025; no adult measure.
        contact("6024", T3, date(2024, 6, 1), date(2025, 11, 19), "J"),
        # T4: ended 14 January 2026; § 104 running since 1 December 2025.
        contact("6025", T4, date(2025, 1, 1), date(2026, 1, 14), "J"),
        adult("6026", T4, "SEL-104", date(2025, 12, 1), "538591001"),
        # T5: ended 1 February 2026; § 107 from 3 March 2026, exactly 30 days after: in time.
        contact("6027", T5, date(2025, 3, 1), date(2026, 2, 1), "J"),
        adult("6028", T5, "SEL-107", date(2026, 3, 3), "538521001"),
        # T6: ended 28 February 2026, not assessed (N); no adult measure.
        contact("6029", T6, date(2025, 1, 1), date(2026, 2, 28), "N"),
        # T7: ended 10 March 2026, assessed; his 30 days run out in April, after the extraction.
        contact("6030", T7, date(2025, 1, 1), date(2026, 3, 10), "J"),
        # Y4, 8: a contact person since June 2024, 10,000 a month; Nyborg pays since the family moved there.
        _grant("6006", Y4, "BL-32-1.3", date(2024, 6, 1), None, "10000,00", "528211001", SOCIAL,
               municipality=FAABORG, caseworker="AZ43002") | {"Betalingskommune": "0450"},
    ])
    # Faaborg pays for Y4 on the 1st of every month from February 2025 (the history's start) to March 2026,
    # claims the months from 1 June 2025 from Nyborg quarterly and receives them on artskonto 7.7.
    months = [date(2025 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(2, 16)]
    received = [(date(2025, 8, 15), "-10000,00", "2025K2"), (date(2025, 11, 20), "-30000,00", "2025K3"),
                (date(2026, 2, 10), "-30000,00", "2025K4")]
    d.write_postings(folder, FAABORG, STAMP, [
        d.posting(number, day, "528211001", "10000,00", Y4, "KMD", "6006") for number, day in enumerate(months, 1)
    ] + [d.posting(20 + index, day, "528211001", amount, Y4) | {"Art": "77", "Tekst": f"Refusion {quarter}"}
         for index, (day, amount, quarter) in enumerate(received)])


def _write_notifications(folder: Path) -> None:
    columns = "Kommunenr;Underretningsnr;CPR-nr;Modtaget;Underretter;Akut;Vurderet\r\n"
    rows = [
        # K1, 14: from the school in January and, urgent, from the police in February.
        ("U-1", K1, "05-01-2026", "Skole", "Nej", "05-01-2026"),
        ("U-2", K1, "20-02-2026", "Politi", "Ja", "20-02-2026"),
        # K2, 16: from a hospital in January, assessed two days later.
        ("U-3", K2, "10-01-2026", "Sundhedsvæsen", "Nej", "12-01-2026"),
        # A girl of 10 with no case (not in the CPR extract), anonymously in March; no assessment registered.
        ("U-4", "650515-4026", "03-03-2026", "Borger/anonym", "Nej", ""),
        # K4, 16, from his day-care-age sibling's kindergarten in December 2025: outside 2026.
        ("U-5", K4, "15-12-2025", "Dagtilbud", "Nej", "16-12-2025"),
        # A CPR number with day 32: quarantined, never counted.
        ("U-6", "3201154027", "04-01-2026", "Andet", "Nej", "04-01-2026"),
    ]
    (folder / f"KMD_BV_UNDERRETNINGER_{MUNICIPALITY:04d}_{STAMP}.csv").write_text(
        columns + "".join(f"0440;{';'.join(row)}\r\n" for row in rows), encoding="cp1252")
