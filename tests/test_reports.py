"""Saved reports in the application-state store, with their rights, and the standard reports per area."""

from __future__ import annotations

import pytest

from data_access import reports as store
from data_access.scope import AccessDenied, Role
from kpi.catalogue import load_catalogue
from reports.definition import DefinitionError, checked, new_definition
from reports.library import AREAS, resolve, saved_ref, standard_reports

from .helpers import make_installation, scope

OWNER = scope(Role.LEADER, 479, username="rep_owner")
COLLEAGUE = scope(Role.LEADER, 479, username="rep_colleague")
ELSEWHERE = scope(Role.LEADER, 461, username="rep_odense")
POLITICIAN = scope(Role.POLITICIAN, 479, username="rep_politician")


@pytest.fixture
def appstate(tmp_path):
    return make_installation(tmp_path).appstate


def definition(*kpis: str) -> dict:
    return checked(new_definition("benchmark", list(kpis or ["K-UBU-PLAC-1000"])), load_catalogue())


def test_a_report_is_created_opened_edited_as_a_new_version_and_deleted(appstate):
    report_id = store.create_report(OWNER, "Anbringelser", definition(), appstate=appstate)
    opened = store.open_report(OWNER, report_id, appstate=appstate)
    assert (opened.name, opened.version, opened.visibility) == ("Anbringelser", 1, store.PRIVATE)
    assert opened.definition["kpis"] == ["K-UBU-PLAC-1000"]

    version = store.save_report(OWNER, report_id, definition("K-UBU-PLAC-1000", "K-UBU-SUPP-1000"),
                                name="Anbringelser og støtte", appstate=appstate)
    assert version == 2
    assert store.open_report(OWNER, report_id, appstate=appstate).definition["kpis"][1] == "K-UBU-SUPP-1000"
    assert store.open_report(OWNER, report_id, version=1, appstate=appstate).definition["kpis"] == ["K-UBU-PLAC-1000"]
    assert [v for v, _, _ in store.versions(OWNER, report_id, appstate=appstate)] == [2, 1]

    store.delete_report(OWNER, report_id, appstate=appstate)
    assert store.list_reports(OWNER, appstate=appstate) == []
    with pytest.raises(AccessDenied):
        store.open_report(OWNER, report_id, appstate=appstate)


def test_private_reports_are_the_owners_and_shared_ones_the_municipalitys(appstate):
    private = store.create_report(OWNER, "Privat", definition(), appstate=appstate)
    shared = store.create_report(OWNER, "Delt", definition(), store.SHARED, appstate=appstate)
    assert [r.name for r in store.list_reports(OWNER, appstate=appstate)] == ["Delt", "Privat"]
    assert [r.name for r in store.list_reports(COLLEAGUE, appstate=appstate)] == ["Delt"]
    assert store.list_reports(ELSEWHERE, appstate=appstate) == []
    assert store.list_reports(POLITICIAN, appstate=appstate) == []
    for reader, report_id in ((COLLEAGUE, private), (ELSEWHERE, shared), (ELSEWHERE, private), (POLITICIAN, shared)):
        with pytest.raises(AccessDenied, match="findes ikke"):
            store.open_report(reader, report_id, appstate=appstate)
    # A colleague reads the shared report but may neither change nor delete it: only copy it.
    with pytest.raises(AccessDenied, match="egne rapporter"):
        store.save_report(COLLEAGUE, shared, definition(), appstate=appstate)
    with pytest.raises(AccessDenied, match="egne rapporter"):
        store.delete_report(COLLEAGUE, shared, appstate=appstate)
    copy_id = store.copy_report(COLLEAGUE, shared, "Min kopi", appstate=appstate)
    copy = store.open_report(COLLEAGUE, copy_id, appstate=appstate)
    assert (copy.owner, copy.visibility, copy.definition) == ("rep_colleague", store.PRIVATE, definition())
    with pytest.raises(AccessDenied):
        store.copy_report(ELSEWHERE, shared, "Stjålet", appstate=appstate)
    with pytest.raises(AccessDenied, match="Kun ledere"):
        store.create_report(POLITICIAN, "Nej", definition(), appstate=appstate)


def test_names_and_visibilities_are_checked(appstate):
    with pytest.raises(store.ReportError, match="navn"):
        store.create_report(OWNER, "  ", definition(), appstate=appstate)
    with pytest.raises(store.ReportError, match="synlighed"):
        store.create_report(OWNER, "X", definition(), "public", appstate=appstate)


def test_every_area_ships_a_benchmark_and_an_analysis_report_that_passes_its_checks():
    reports = standard_reports()
    kinds = {(r.area, r.definition["kind"]) for r in reports}
    assert kinds == {(area, kind) for area in AREAS for kind in ("benchmark", "analysis")}
    for report in reports:
        assert checked(report.definition, load_catalogue()) == report.definition
        assert report.definition["filters"]["last_months"]


def test_resolve_opens_standard_and_readable_saved_reports_only(appstate):
    assert resolve(OWNER, "standard:children-benchmark").name == "Børn og unge: benchmark"
    report_id = store.create_report(OWNER, "Privat", definition(), appstate=appstate)
    assert resolve(OWNER, saved_ref(report_id), appstate).source == "own"
    with pytest.raises(AccessDenied):
        resolve(COLLEAGUE, saved_ref(report_id), appstate)
    with pytest.raises(AccessDenied):
        resolve(OWNER, "standard:nothing")


@pytest.mark.parametrize(("change", "expected"), [
    ({"kpis": ["K-NOPE"]}, "Ukendte nøgletal: K-NOPE"),
    ({"kind": "analysis", "dimensions": ["shoe_size"]}, "Ukendte dimensioner: shoe_size"),
    ({"dimensions": ["sex"]}, "benchmarkrapport opdeles ikke"),
    ({"filters": {"granularity": "week"}}, "month, quarter eller year"),
    ({"filters": {"period_from": "2026-13"}}, "ÅÅÅÅ-MM"),
    ({"filters": {"period_from": "2026-05", "period_to": "2026-01", "last_months": None}}, "ligger efter"),
    ({"kind": "analysis", "kpis": ["K-UBU-EXP-PLAC-REC"], "dimensions": ["sex"]}, "kan opdeles efter Køn"),
    ({"chart": "pie"}, "diagramtype"),
    ({"schema_version": 99}, "nyere end denne installations"),
])
def test_definitions_are_refused_with_a_danish_reason(change, expected):
    document = {**new_definition("benchmark", ["K-UBU-PLAC-1000"]), **change}
    if "filters" in change:
        document["filters"] = {**new_definition()["filters"], **change["filters"]}
    with pytest.raises(DefinitionError) as error:
        checked(document, load_catalogue())
    assert expected in str(error.value)


@pytest.mark.parametrize("granularity", ["month", "quarter", "year"])
def test_a_benchmark_report_may_be_by_month_quarter_or_year(granularity):
    definition = checked(new_definition("benchmark", ["K-UBU-PLAC-1000"], granularity=granularity), load_catalogue())
    assert definition["filters"]["granularity"] == granularity
