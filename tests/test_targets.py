"""Political targets (F-KOM-TARGETS): configured, uploaded by an administrator, and judged by each KPI's direction."""

from __future__ import annotations

import pytest

from data_access.appstate import AppState
from data_access.scope import AccessDenied, Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from kpi.targets import (
    Status,
    Target,
    TargetFileError,
    as_row,
    attainment,
    load_targets,
    parse_target_file,
    status,
    targets_for,
)

from .helpers import scope

CATALOGUE = load_catalogue()

GOOD_FILE = (  # as Excel saves it in Danish: semicolons, Windows-1252, decimal comma
    "Kommune;Nøgletal;År;Mål;Sammenligning;Note\r\n"
    "440;K-DQ-LATE;2026;5;højst;Registrering senest 30 dage efter start\r\n"
    "440;K-VH-85-VS-HOUSING;2026;0,5;;Flere i eget hjem\r\n"
    "440;K-UBU-PLAC-1000;2026;7,5;højst;\r\n"
).encode("cp1252")


@pytest.fixture
def store(tmp_path) -> AppState:
    return AppState(f"sqlite:///{tmp_path / 'appstate.sqlite'}")


def test_every_configured_target_names_a_known_kpi_and_a_valid_comparison():
    targets = load_targets(CATALOGUE)
    assert len(targets) >= 5
    assert all(t.kpi_id in CATALOGUE.kpis and t.comparison in ("at_most", "at_least", "around") for t in targets)


def test_an_upload_is_read_with_danish_conventions_and_the_kpis_direction():
    targets = parse_target_file(GOOD_FILE, "maal.csv", CATALOGUE, 440)
    assert [(t.kpi_id, t.value, t.comparison) for t in targets] == [
        ("K-DQ-LATE", 5.0, "at_most"),
        # No comparison given: K-VH-85-VS-HOUSING is higher_better, so the target is a floor.
        ("K-VH-85-VS-HOUSING", 0.5, "at_least"),
        ("K-UBU-PLAC-1000", 7.5, "at_most"),
    ]
    assert targets[0].note == "Registrering senest 30 dage efter start"


def test_a_file_with_problems_names_each_line_and_nothing_is_stored(store):
    bad = ("kommune;nøgletal;år;mål\n"
           "440;K-DQ-LATE;2026;5\n"
           "440;K-FINDES-IKKE;2026;5\n"
           "479;K-DQ-LATE;2027;5\n"
           "440;K-DQ-MISSING;2026;fem\n"
           "440;K-DQ-LATE;2026;4\n").encode()
    with pytest.raises(TargetFileError) as error:
        parse_target_file(bad, "maal.csv", CATALOGUE, 440)
    assert error.value.problems == [
        "linje 3: ukendt nøgletal 'K-FINDES-IKKE'",
        "linje 4: kommune 479 er ikke din kommune (440); du kan kun uploade jeres egne mål",
        "linje 5: mål skal være et tal, ikke 'fem'",
        "linje 6: K-DQ-LATE for 2026 står også i linje 2",
    ]
    assert str(error.value).startswith("maal.csv: linje 3")
    assert store.uploaded_targets(440) == []


def test_a_file_without_the_columns_says_which_are_missing():
    with pytest.raises(TargetFileError, match="mangler kolonnen/kolonnerne nøgletal, år, mål"):
        parse_target_file(b"kommune;noegletal\n440;K-DQ-LATE\n", "maal.csv", CATALOGUE, 440)
    with pytest.raises(TargetFileError, match="filen er tom"):
        parse_target_file(b"", "tom.csv", CATALOGUE, 440)


def test_only_an_administrator_uploads_and_only_for_the_own_municipality(store):
    rows = [as_row(t) for t in parse_target_file(GOOD_FILE, "maal.csv", CATALOGUE, 440)]
    with pytest.raises(AccessDenied):
        store.store_targets(scope(Role.LEADER, 440), "maal.csv", rows)
    with pytest.raises(AccessDenied):
        store.store_targets(scope(Role.ADMIN, 479), "maal.csv", rows)
    assert store.uploaded_targets(440) == []


def test_uploaded_targets_replace_configured_ones_and_a_new_upload_replaces_the_old(store):
    admin = scope(Role.ADMIN, 479)
    configured = {t.kpi_id: t.value for t in targets_for(CATALOGUE, 479, 2026)}
    assert configured["K-UBU-PLAC-1000"] == 7.5  # config/targets.yaml
    upload = "kommune;nøgletal;år;mål\n479;K-UBU-PLAC-1000;2026;7,0\n".encode()
    store.store_targets(admin, "maal.csv", [as_row(t) for t in parse_target_file(upload, "maal.csv", CATALOGUE, 479)])
    merged = {t.kpi_id: t for t in targets_for(CATALOGUE, 479, 2026, store.uploaded_targets(479))}
    # No comparison in the file: K-UBU-PLAC-1000 is neutral, so the target is judged "around" 7.0.
    assert merged["K-UBU-PLAC-1000"].value == 7.0 and merged["K-UBU-PLAC-1000"].comparison == "around"
    assert set(merged) == set(configured)  # the others are still the configured ones
    second = upload.replace(b"7,0", b"6,5")
    store.store_targets(admin, "maal2.csv", [as_row(t) for t in parse_target_file(second, "m.csv", CATALOGUE, 479)])
    assert [(r["kpi_id"], r["target"]) for r in store.uploaded_targets(479)] == [("K-UBU-PLAC-1000", 6.5)]
    assert targets_for(CATALOGUE, 479, 2027, store.uploaded_targets(479)) == []


def test_status_of_an_uploaded_target_on_the_kerteminde_figures(kerteminde):
    """K-DQ-LATE in February 2026 is 1 late of 3 started = 33.3 % (tests/scenario_kerteminde.py). A target of at
    most 5 % is missed by 28.3 points, beyond the 5 % margin (0.25 points): off track. At most 35 % is met."""
    engine = KpiEngine(CATALOGUE, load_groups(), kerteminde.warehouse)
    frame = engine.values(scope(Role.LEADER, 440), "K-DQ-LATE", municipalities=[440])
    february = frame[[p.year == 2026 and p.month == 2 for p in frame["period"]]].iloc[0]["value"]
    assert february == pytest.approx(100 / 3)
    kpi = CATALOGUE.kpi("K-DQ-LATE")
    assert status(kpi, Target(440, kpi.id, 2026, 5.0, "at_most"), february) is Status.OFF_TRACK
    assert status(kpi, Target(440, kpi.id, 2026, 35.0, "at_most"), february) is Status.ON_TRACK
    # 33.3 against at most 32: 1.3 over, within 5 % of 32 (1.6): at risk.
    assert status(kpi, Target(440, kpi.id, 2026, 32.0, "at_most"), february) is Status.AT_RISK
    assert attainment(Target(440, kpi.id, 2026, 5.0, "at_most"), february) == pytest.approx(100 / 3 / 5 * 100)
