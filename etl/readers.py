"""Read a delivery file into raw text columns, line by line, without interpreting values.

A file that cannot be read at all (wrong encoding, missing columns, empty) is rejected
whole with ``FileRejected``; a single bad line (wrong number of fields, broken JSON) is
reported as a problem for quarantine and the rest of the file is read.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .contracts import Contract

ENCODING_NAMES = {"cp1252": "Windows-1252", "utf-8": "UTF-8", "utf-8-sig": "UTF-8"}
_UTF8_BOM, _UTF16_BOMS = b"\xef\xbb\xbf", (b"\xff\xfe", b"\xfe\xff")


class FileRejected(Exception):
    """The whole file cannot be loaded; the message (Danish) says why."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    value: str | None
    reason: str


@dataclass
class RawFile:
    table: pa.Table  # _line plus one text column per contract field, named by the field's source
    rows_read: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_raw(path: Path, contract: Contract) -> RawFile:
    text = _decode(path.read_bytes(), contract)
    if contract.format == "jsonl":
        return _read_jsonl(text, contract)
    return _read_delimited(text, contract)


def _decode(data: bytes, contract: Contract) -> str:
    expected = ENCODING_NAMES[contract.encoding]
    if not data.strip():
        raise FileRejected("filen er tom")
    if data.startswith(_UTF16_BOMS):
        raise FileRejected(f"filen er gemt som UTF-16; kontrakten kræver {expected}")
    if data.startswith(_UTF8_BOM):
        if contract.encoding == "cp1252":
            raise FileRejected("filen er gemt som UTF-8 (med byte-order mark); kontrakten kræver Windows-1252")
        data = data[len(_UTF8_BOM):]
    if contract.encoding == "cp1252":
        if not data.isascii() and _is_utf8(data):
            raise FileRejected("filen ser ud til at være gemt som UTF-8; kontrakten kræver Windows-1252")
        return _strict_decode(data, "cp1252", expected)
    return _strict_decode(data, "utf-8", expected)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict_decode(data: bytes, codec: str, expected: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise FileRejected(f"filen er ikke gyldig {expected}: byten 0x{byte:02X} i linje {line} "
                           f"kan ikke læses (er filen gemt med en anden tegnkodning?)") from None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _read_delimited(text: str, contract: Contract) -> RawFile:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=contract.delimiter, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise FileRejected(f"filens første linje kan ikke læses som kolonneoverskrifter ({error})") from None
    expected = [f.source for f in contract.fields]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileRejected("kolonnen/kolonnerne " + ", ".join(duplicates) + " står flere gange i overskriften")
    missing = [name for name in expected if name not in header]
    if missing:
        if len(header) == 1 and contract.delimiter not in header[0] and len(expected) > 1:
            raise FileRejected(f"overskriften har ingen '{contract.delimiter}'; er filen semikolonsepareret?")
        raise FileRejected("mangler kolonnen/kolonnerne " + ", ".join(missing))
    extra = [name for name in header if name not in expected]
    positions = [header.index(name) for name in expected]
    notes = ["ekstra kolonne(r) ignoreret: " + ", ".join(extra)] if extra else []

    columns: list[list[str | None]] = [[] for _ in expected]
    lines: list[int] = []
    problems: list[Problem] = []
    rows_read = 0
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise FileRejected(f"linje {previous_end + 1} kan ikke læses: {error}") from None
        line = previous_end + 1
        previous_end = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        rows_read += 1
        if len(row) != len(header):
            problems.append(Problem(line, None, contract.delimiter.join(row)[:300],
                                    f"forventede {len(header)} felter, fandt {len(row)}"))
            continue
        lines.append(line)
        for column, position in zip(columns, positions, strict=True):
            column.append(_clean(row[position]))
    return RawFile(_arrow(contract, lines, columns), rows_read, problems, notes)


def _read_jsonl(text: str, contract: Contract) -> RawFile:
    paths = [f.source.split(".") for f in contract.fields]
    columns: list[list[str | None]] = [[] for _ in paths]
    lines: list[int] = []
    problems: list[Problem] = []
    rows_read = 0
    for line, content in enumerate(text.split("\n"), start=1):
        if not content.strip():
            continue
        rows_read += 1
        try:
            record = json.loads(content)
        except json.JSONDecodeError as error:
            problems.append(Problem(line, None, content[:300], f"ugyldig JSON: {error.msg} (tegn {error.colno})"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(line, None, content[:300], "linjen er ikke et JSON-objekt"))
            continue
        lines.append(line)
        for column, path in zip(columns, paths, strict=True):
            column.append(_json_text(_walk(record, path)))
    return RawFile(_arrow(contract, lines, columns), rows_read, problems)


def _walk(record: dict, path: list[str]):
    value = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return _clean(str(value))


def _arrow(contract: Contract, lines: list[int], columns: list[list[str | None]]) -> pa.Table:
    arrays = {"_line": pa.array(lines, pa.int32())}
    for spec, values in zip(contract.fields, columns, strict=True):
        arrays[spec.source] = pa.array(values, pa.string())
    return pa.table(arrays)
