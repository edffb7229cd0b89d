"""Analysis templates: a report exported here imports into a fresh installation, and bad files are refused."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from data_access import reports as store
from data_access.appstate import UserRecord
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from reports.__main__ import main
from reports.definition import checked, new_definition
from reports.templates import TemplateError, export_template, parse_template

from .helpers import make_installation, scope

AUTHOR = scope(Role.LEADER, 479, username="tpl_author")


def a_definition() -> dict:
    document = new_definition("analysis", ["K-UBU-PLAC-1000", "K-VH-108-1000"], last_months=24,
                              granularity="quarter")
    document.update(dimensions=["age_band"], chart="bar", description="Kvartalsvis efter alder")
    return checked(document, load_catalogue())


@pytest.mark.parametrize("file_format", ["yaml", "json"])
def test_a_template_holds_the_definition_and_nothing_about_people_or_data(file_format):
    benchmark = checked(new_definition("benchmark", ["K-UBU-PLAC-1000"], municipality=461), load_catalogue())
    data = export_template("Odense-sammenligning", benchmark, file_format)
    document = json.loads(data) if file_format == "json" else yaml.safe_load(data)
    assert set(document) == {"overblik_template", "name", "definition"}
    assert "municipality" not in document["definition"]["filters"]  # the importer's own municipality is used
    assert parse_template(data) == ("Odense-sammenligning", {**benchmark, "filters": {**benchmark["filters"],
                                                                                     "municipality": None}})


def test_a_saved_report_exported_on_the_command_line_imports_into_a_fresh_installation(tmp_path, demo,
                                                                                      use_installation):
    use_installation(demo)
    report_id = store.create_report(AUTHOR, "Botilbud og anbringelser", a_definition(), appstate=demo.appstate)
    demo.appstate.add_user(UserRecord("tpl_author", "Skabelon Forfatter", None, Role.LEADER, 479, None),
                           "hemmelig-kode")
    template = tmp_path / "skabelon.yaml"
    assert main(["template", "export", "--report", f"saved:{report_id}", "--user", "tpl_author",
                 "--out", str(template)]) == 0
    assert "tpl_author" not in template.read_text(encoding="utf-8")

    fresh = make_installation(tmp_path / "fresh")
    fresh.appstate.add_user(UserRecord("modtager", "Mia Modtager", None, Role.LEADER, 461, None), "hemmelig-kode")
    use_installation(fresh)
    out = io.StringIO()
    assert main(["template", "import", "--file", str(template), "--user", "modtager"], out) == 0
    new_id = int(out.getvalue().strip().rsplit(":", 1)[1])
    imported = store.open_report(scope(Role.LEADER, 461, username="modtager"), new_id, appstate=fresh.appstate)
    assert (imported.name, imported.owner, imported.municipality_code) == ("Botilbud og anbringelser", "modtager", 461)
    assert imported.definition == a_definition()


def test_a_standard_report_exports_without_a_user(capsys):
    assert main(["template", "export", "--report", "standard:adults-benchmark", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Voksne: benchmark"


@pytest.mark.parametrize(("document", "expected"), [
    ({"overblik_template": 1, "name": "X", "definition": {**new_definition(), "kpis": ["K-FINDES-IKKE"]}},
     "Ukendte nøgletal: K-FINDES-IKKE"),
    ({"overblik_template": 1, "name": "X", "definition": {**new_definition("analysis", ["K-UBU-PLAC-1000"]),
                                                          "dimensions": ["skostørrelse"]}},
     "Ukendte dimensioner: skostørrelse"),
    ({"overblik_template": 2, "name": "X", "definition": new_definition()},
     "skemaversion 2, som er nyere end denne installations (version 1)"),
    ({"overblik_template": 1, "name": "X", "definition": {**new_definition(), "kpis": ["K-UBU-PLAC-1000"],
                                                          "schema_version": 3}},
     "skemaversion 3, som er nyere"),
    ({"name": "X"}, "ikke en Overblik-skabelon"),
    ({"overblik_template": 1, "definition": {**new_definition(), "kpis": ["K-UBU-PLAC-1000"]}}, "mangler et navn"),
])
def test_bad_templates_are_refused_with_danish_reasons(document, expected):
    with pytest.raises(TemplateError) as error:
        parse_template(yaml.safe_dump(document, allow_unicode=True).encode())
    assert expected in str(error.value)


def test_the_command_line_import_prints_every_problem(tmp_path, demo, use_installation, capsys):
    use_installation(demo)
    bad = tmp_path / "ny.json"
    bad.write_text(json.dumps({"overblik_template": 1, "name": "X",
                               "definition": {"kind": "analysis", "kpis": ["K-X"], "dimensions": ["y"]}}))
    assert main(["template", "import", "--file", str(bad), "--user", "leder"]) == 1
    err = capsys.readouterr().err
    assert "Ukendte nøgletal: K-X" in err and "Ukendte dimensioner: y" in err
