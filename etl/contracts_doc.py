"""Write docs/sources.md from the source contracts, so the documentation cannot drift from the code.

    python -m etl.contracts_doc > docs/sources.md
"""

from __future__ import annotations

import sys

from .contracts import Contract
from .readers import ENCODING_NAMES
from .sources import SOURCES

KIND_TEXT = {
    "text": "text", "int": "whole number", "count": "count (0 or more)",
    "decimal_comma": "amount with decimal comma, no thousands separator (`1234,50`)",
    "decimal": "number with decimal point (`1234.5`)", "date_dmy": "date `dd-mm-yyyy`",
    "date_iso": "date `yyyy-mm-dd`", "date_ymd": "date `yyyymmdd`",
    "account_dotted": "account string with dots: function, dranst, grouping (`5.28.22.1.002`)",
    "function_digits": "account function as five digits (`52822`)",
    "timestamp_iso": "time `yyyy-mm-ddThh:mm:ss`", "municipality_code": "municipality code (3-4 digits, known)",
    "municipality_name": "municipality name as Danmarks Statistik writes it",
    "cpr": "CPR number (10 digits, dash allowed)",
    "cvr": "CVR number (8 digits)", "account": "account string, 9 digits: function, dranst, grouping (`528221002`)",
    "function_code": "account function (`5.28.22`)", "age_label": "age (`7 år`, `99 år og derover`)",
    "quarter_label": "quarter (`2024K1`)",
}

INTRO = """# Source contracts

Generated from `etl/sources/` by `python -m etl.contracts_doc`; a test fails if this file is out of date.

Every delivery file is matched to a source by its name. The ETL checks each file against its
contract before anything is loaded:

- A file that cannot be read at all - wrong encoding, a byte-order mark where none belongs,
  missing columns, an empty file, an unknown municipality or a date in the future in its name,
  a name that matches no source - is **rejected** with a message naming the file and the problem.
  A rejected file stops the run: nothing is published and the previous warehouse stays in place.
- A row that breaks the contract - a value of the wrong kind, a missing required value, a broken
  row rule, a repeated key, a line with the wrong number of fields or broken JSON - is put in
  **quarantine** with file, line, column, value and reason, and the rest of the file is loaded.
  Every file reconciles: rows read = rows loaded + rows quarantined.
- Extra columns are ignored and noted in the run log; columns may come in any order. Empty fields
  after the last column (trailing separators) are ignored; a line with fewer fields than the
  header, or with values beyond it, is quarantined.
- Empty values (or only spaces) count as missing. Rows are never corrected (F-DATA-NOCORRECT).
- In XML, a record's line is the line its element starts on; where records share a line (an
  XML file without line breaks), each is numbered by its position in the file instead, and the
  run log says so.

The extraction date is part of every file name (`YYYYMMDD`): the data run up to the day before.
A delivery may be a full extract or one night's changes; the ETL loads only files it has not
loaded before, in extraction-date order, and rejects a file older than one already loaded from
the same source and municipality, or a loaded file whose content has changed. Grants, budgets,
CPR data and population are upserts whose earlier versions are kept; postings and assessments
are added. A posting or assessment naming a grant its case system never registered is put in
quarantine. See [design-deliveries.md](design-deliveries.md).
"""


def _format(contract: Contract) -> str:
    if contract.format == "jsonl":
        return "JSON lines (one object per line); columns are paths into the object"
    if contract.format == "xml":
        return (f"XML, document element `<{contract.xml_root}>`, one `<{contract.xml_record}>` per record; columns "
                "are paths below it (`@name` is an attribute)")
    return f"delimited text, separator `{contract.delimiter}`, fields may be quoted with `\"`"


def render(contract: Contract, conform_target: str) -> str:
    lines = [f"## {contract.title}", "", f"- Source system: {contract.system}",
             f"- File name: `{contract.pattern.pattern}`",
             f"- Format: {_format(contract)}",
             f"- Encoding: {ENCODING_NAMES[contract.encoding]}"
             + (" (a byte-order mark is expected)" if contract.encoding == "utf-8-sig" else ""),
             f"- Key: {', '.join(f'`{k}`' for k in contract.key) or 'none'} "
             + ("(unique within a delivery; a later delivery updates the row, and the earlier version is kept)"
                if contract.semantics == "upsert" else "(unique across every delivery ever loaded; rows are added)"),
             f"- Loaded into: `{conform_target}`", "",
             "| Column | Kind | Required | Loaded as | When invalid |", "|---|---|---|---|---|"]
    for field in contract.fields:
        if field.values is not None and set(field.values) == set(field.values.values()):
            kind = "one of " + ", ".join(f"`{v}`" for v in field.values)
        elif field.values is not None:
            kind = "one of " + ", ".join(f"`{v}` ({field.values[v]})" for v in field.values)
        elif field.lookup is not None:
            kind = f"code, translated by `config/source_code_aliases.csv` ({field.lookup})"
        else:
            kind = KIND_TEXT[field.kind]
        plain_text = field.kind == "text" and field.values is None and field.lookup is None
        lines.append(f"| `{field.source}` | {kind} | {'yes' if field.required else 'no'} | `{field.target}` | "
                     f"{'-' if plain_text else field.problem()} |")
    if contract.rules:
        lines += ["", "Row rules:", ""]
        lines += [f"- {rule.reason} (column `{rule.column}`): quarantined when `{rule.violated}`"
                  for rule in contract.rules]
    return "\n".join(lines)


def document() -> str:
    return INTRO + "\n" + "\n\n".join(render(s.contract, s.stage_table) for s in SOURCES) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document())
