"""Analysis templates (F-KOM-TEMPLATES): a report's definition in a file another installation can import.

A template carries what the report shows and nothing else: no figures, no user, no municipality
(the municipality filter is dropped; an importing reader sees their own). YAML or JSON, the same
document::

    overblik_template: 1        # the template schema; a newer one than this installation's is refused
    name: Anbringelser, kvartalsvis
    definition: {...}           # as in reports/definition.py

Importing checks everything against this installation's KPI catalogue and lists every problem in Danish.
"""

from __future__ import annotations

import json

import yaml

from data_access import reports as store
from data_access.appstate import AppState, current_appstate
from data_access.scope import UserScope
from kpi.catalogue import Catalogue, load_catalogue

from .definition import DefinitionError, checked

TEMPLATE_SCHEMA = 1
TEMPLATE_KEY = "overblik_template"
TEMPLATE_FORMATS = {"yaml": "application/x-yaml", "json": "application/json"}
MAX_BYTES = 256_000


class TemplateError(ValueError):
    """A template file that cannot be imported; ``problems`` lists each in Danish."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def export_template(name: str, definition: dict, file_format: str = "yaml") -> bytes:
    portable = json.loads(json.dumps(definition))  # a deep copy of plain values
    portable.get("filters", {}).pop("municipality", None)
    document = {TEMPLATE_KEY: TEMPLATE_SCHEMA, "name": name, "definition": portable}
    if file_format == "json":
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if file_format == "yaml":
        header = "# Overblik-skabelon: en rapports opbygning uden data. Importér den under Rapporter.\n"
        return (header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)).encode("utf-8")
    raise ValueError(f"Ukendt skabelonformat {file_format!r}; vælg yaml eller json.")


def parse_template(data: bytes, catalogue: Catalogue | None = None) -> tuple[str, dict]:
    """The template's name and checked definition; raises TemplateError."""
    if len(data) > MAX_BYTES:
        raise TemplateError([f"Filen er for stor til at være en skabelon (højst {MAX_BYTES // 1000} kB)."])
    try:
        document = yaml.safe_load(data.decode("utf-8-sig"))  # YAML reads JSON too
    except (UnicodeDecodeError, yaml.YAMLError):
        raise TemplateError(["Filen kan ikke læses som YAML eller JSON i UTF-8."]) from None
    if not isinstance(document, dict) or TEMPLATE_KEY not in document:
        raise TemplateError([f"Filen er ikke en Overblik-skabelon (feltet {TEMPLATE_KEY} mangler)."])
    version = document[TEMPLATE_KEY]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateError([f"Ukendt skabelonversion {version!r}."])
    if version > TEMPLATE_SCHEMA:
        raise TemplateError([f"Skabelonen er lavet med skemaversion {version}, som er nyere end denne installations "
                             f"(version {TEMPLATE_SCHEMA}). Opdater Overblik for at indlæse den."])
    name = document.get("name")
    problems = [] if isinstance(name, str) and name.strip() else ["Skabelonen mangler et navn."]
    definition = document.get("definition")
    if isinstance(definition, dict) and definition.get("filters", {}).get("municipality") is not None:
        problems.append("Skabelonen må ikke bestemme kommunen; den vises altid for den, der importerer den.")
    try:
        definition = checked(definition, catalogue or load_catalogue())
    except DefinitionError as error:
        problems += error.problems
    if problems:
        raise TemplateError(problems)
    return name.strip(), definition


def import_template(scope: UserScope, data: bytes, name: str | None = None,
                    appstate: AppState | None = None) -> int:
    """Store the template as a new private report of the user; returns its id."""
    template_name, definition = parse_template(data)
    report_id = store.create_report(scope, name or template_name, definition, store.PRIVATE, appstate)
    (appstate or current_appstate()).audit(scope, "import_template", f"rapport {report_id}: {template_name}")
    return report_id
