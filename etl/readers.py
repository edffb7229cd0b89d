"""Read a delivery file into the table ``raw_file``: its text columns and the line each row came from.

A file that cannot be read at all (wrong encoding, missing columns, broken XML, empty) is rejected
whole with ``FileRejected``; a single bad line (wrong number of fields, broken JSON) is reported as
a problem for quarantine and the rest of the file is read.

Delimited files are read by DuckDB's own CSV reader, which keeps file order, so a row's line
follows from its position and the lines DuckDB rejected; a file with blank lines inside or line
breaks within quotes goes through the exact (slower) Python reader instead.

Reading is two steps: ``prepare`` does the passes over a file's bytes in Python (checks, digest,
transcoding, XML parsing) and needs no connection, so the ETL prepares the next files in a thread
while DuckDB works on the current one; ``load_prepared`` puts the file into ``raw_file``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from .contracts import Contract, sql_identifier, sql_literal

ENCODING_NAMES = {"cp1252": "Windows-1252", "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "iso-8859-1": "ISO-8859-1"}
_UTF8_BOM, _UTF16_BOMS = b"\xef\xbb\xbf", (b"\xff\xfe", b"\xfe\xff")
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_FIELD_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


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
    rows_read: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reader: str = "duckdb"  # which reader took the file: duckdb | python
    sha256: str = ""  # the file's digest, from ``prepare``


@dataclass
class PreparedFile:
    """A file checked and made ready for DuckDB: what ``prepare`` found without a connection."""

    path: Path
    sha256: str
    readable: Path | None = None  # delimited: the UTF-8 text DuckDB reads (a transcoded copy for Windows-1252)
    header: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lines: int = 0
    irregular: bool = False
    xml: tuple[pa.Table, RawFile] | None = None


def read_into(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, workdir: Path) -> RawFile:
    """Fill ``raw_file`` (``_line`` plus one text column per contract field, named by the field's source)."""
    return load_prepared(con, prepare(path, contract, workdir), contract)


def prepare(path: Path, contract: Contract, workdir: Path) -> PreparedFile:
    """Everything about reading the file that needs no connection; raises FileRejected as ``read_into`` would."""
    if path.stat().st_size == 0:
        raise FileRejected("filen er tom")
    if contract.format == "delimited":
        return _prepare_delimited(path, contract, workdir)
    if contract.format == "jsonl":  # DuckDB reads the text itself; here its start, lines and digest
        with open(path, "rb") as handle:
            _check_start(handle.read(4096), contract)
        lines, irregular, digest = _line_structure(path)
        return PreparedFile(path, digest, lines=lines, irregular=irregular)
    data = path.read_bytes()
    return PreparedFile(path, hashlib.sha256(data).hexdigest(), xml=_read_xml(data, contract))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_prepared(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, contract: Contract) -> RawFile:
    if contract.format == "delimited":
        result = None if prepared.irregular else _duckdb_delimited(
            con, prepared.readable, contract, prepared.header, prepared.lines, prepared.notes)
        result = result if result is not None else _python_delimited(con, prepared.readable, contract, prepared.notes)
    elif contract.format == "jsonl":
        result = _duckdb_jsonl(con, prepared, contract)
    else:
        table, result = prepared.xml
        _register(con, table)
    result.sha256 = prepared.sha256
    return result


def _drop_raw_file(con: duckdb.DuckDBPyConnection) -> None:
    """raw_file is a view over DuckDB's read, or a table from the Python readers: drop whichever it is."""
    if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'raw_file'").fetchall()[0][0]:
        con.execute("DROP VIEW raw_file")
    con.execute("DROP TABLE IF EXISTS raw_file")


def _register(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    _drop_raw_file(con)
    con.register("raw_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE raw_file AS SELECT * FROM raw_arrow")
    con.unregister("raw_arrow")


# --- encodings -----------------------------------------------------------------------------------

def _check_start(head: bytes, contract: Contract) -> None:
    expected = ENCODING_NAMES[contract.encoding]
    if not head.strip():
        raise FileRejected("filen er tom")
    if head.startswith(_UTF16_BOMS):
        raise FileRejected(f"filen er gemt som UTF-16; kontrakten kræver {expected}")
    if head.startswith(_UTF8_BOM) and contract.encoding in ("cp1252", "iso-8859-1"):
        raise FileRejected(f"filen er gemt som UTF-8 (med byte-order mark); kontrakten kræver {expected}")


def _strict_decode(data: bytes, codec: str, expected: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRejected(f"filen er ikke gyldig {expected}: byten 0x{data[error.start]:02X} i linje {line} "
                           f"kan ikke læses (er filen gemt med en anden tegnkodning?)") from None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _arrow(contract: Contract, lines: list[int], columns: list[list[str | None]]) -> pa.Table:
    arrays = {"_line": pa.array(lines, pa.int32())}
    for spec, values in zip(contract.fields, columns, strict=True):
        arrays[spec.source] = pa.array(values, pa.string())
    return pa.table(arrays)


def _check_header(header: list[str], contract: Contract) -> list[str]:
    """Columns may come in any order and extras are ignored; missing or repeated ones reject the file."""
    expected = [f.source for f in contract.fields]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileRejected("kolonnen/kolonnerne " + ", ".join(duplicates) + " står flere gange i overskriften")
    missing = [name for name in expected if name not in header]
    if missing:
        if len(header) == 1 and len(expected) > 1:
            raise FileRejected(f"overskriften har ingen '{contract.delimiter}'; er filen adskilt med "
                               f"'{contract.delimiter}'?")
        raise FileRejected("mangler kolonnen/kolonnerne " + ", ".join(missing))
    extra = [name for name in header if name not in expected]
    return ["ekstra kolonne(r) ignoreret: " + ", ".join(extra)] if extra else []


# --- delimited: DuckDB's reader, or Python's when the file is irregular ------------------------------

def _prepare_delimited(path: Path, contract: Contract, workdir: Path) -> PreparedFile:
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    _check_start(head, contract)
    start = len(_UTF8_BOM) if head[:3] == _UTF8_BOM else 0
    first_break = head.find(b"\n", start)
    header_bytes = head[start:first_break if first_break >= 0 else len(head)]
    lines, irregular, digest = _line_structure(path)
    readable = path
    if contract.encoding == "cp1252":
        readable = workdir / (path.name + ".utf8")
        _transcode_cp1252(path, readable)
        header_text = header_bytes.decode("cp1252")
    else:
        header_text = _strict_decode(header_bytes, "utf-8", ENCODING_NAMES[contract.encoding])
    try:
        header = [name.strip().strip('"') for name in next(csv.reader([header_text.rstrip("\r")],
                                                                     delimiter=contract.delimiter))]
    except StopIteration:
        raise FileRejected("filens første linje kan ikke læses som kolonneoverskrifter") from None
    notes = _check_header(header, contract)
    return PreparedFile(path, digest, readable, header, notes, lines, irregular)


def _line_structure(path: Path) -> tuple[int, bool, str]:
    """Physical lines, whether the file has a blank (or whitespace-only) line (then the exact reader is
    needed), and the file's SHA-256: one pass over the bytes for all three."""
    lines, irregular, tail, digest = 0, False, b"", hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
            lines += block.count(b"\n")
            # The block, and the seam with the one before; a blank line longer than the seam window is
            # missed here, and then DuckDB's line count disagrees and the exact reader takes the file.
            irregular = irregular or _BLANK_LINE.search(block) is not None \
                or _BLANK_LINE.search(tail + block[:4096]) is not None
            tail = block[-4096:] if len(block) >= 4096 else (tail + block)[-4096:]
    last_line = tail.rsplit(b"\n", 1)[-1]
    irregular = irregular or (last_line != b"" and not last_line.strip())
    return lines + (0 if tail.endswith(b"\n") else 1), irregular, digest.hexdigest()


def _transcode_cp1252(source: Path, target: Path) -> None:
    """Windows-1252 to UTF-8 for DuckDB, in blocks; bytes Windows-1252 does not define reject the file,
    and so does a file that is valid UTF-8 with non-ASCII text (saved in the wrong encoding)."""
    decoder, utf8 = codecs.getincrementaldecoder("cp1252")(), codecs.getincrementaldecoder("utf-8")()
    line, non_ascii, valid_utf8 = 1, False, True
    with open(source, "rb") as reader, open(target, "w", encoding="utf-8", newline="") as writer:
        for block in iter(lambda: reader.read(1 << 22), b""):
            if not block.isascii():
                non_ascii = True
                if valid_utf8:
                    try:
                        utf8.decode(block)
                    except UnicodeDecodeError:
                        valid_utf8 = False
            try:
                writer.write(decoder.decode(block))
            except UnicodeDecodeError as error:
                at = line + block[:error.start].count(b"\n")
                raise FileRejected(f"filen er ikke gyldig Windows-1252: byten 0x{block[error.start]:02X} i linje "
                                   f"{at} kan ikke læses") from None
            line += block.count(b"\n")
        writer.write(decoder.decode(b"", final=True))
    if non_ascii and valid_utf8:
        raise FileRejected("filen ser ud til at være gemt som UTF-8; kontrakten kræver Windows-1252")


def _duckdb_delimited(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, header: list[str],
                      lines: int, notes: list[str]) -> RawFile | None:
    """DuckDB's reader; None when the file's lines do not map one-to-one to rows (quoted line breaks)."""
    _drop_raw_file(con)
    for table in ("raw_native", "raw_rejects", "raw_rejects_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    columns = ", ".join(f"NULLIF(trim({sql_identifier(f.source)}), '') AS {sql_identifier(f.source)}"
                        for f in contract.fields)
    # A table's rowid follows insertion order, and DuckDB inserts a file's rows in file order.
    con.execute(
        f"CREATE TEMP TABLE raw_native AS SELECT {columns} "
        f"FROM read_csv({sql_literal(str(path))}, delim = {sql_literal(contract.delimiter)}, quote = '\"', "
        "escape = '\"', header = true, auto_detect = false, strict_mode = true, "
        "columns = {" + ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header) + "}, "
        "store_rejects = true, rejects_table = 'raw_rejects', rejects_scan = 'raw_rejects_scan', "
        "max_line_size = 1048576)")
    rejects = con.execute("SELECT line, error_type, csv_line, error_message FROM raw_rejects ORDER BY line").fetchall()
    encoding = [r for r in rejects if str(r[1]) == "INVALID ENCODING"]
    if encoding:
        raise FileRejected(f"filen er ikke gyldig {ENCODING_NAMES[contract.encoding]}: linje {encoding[0][0]} "
                           "indeholder bytes, der ikke kan læses (er filen gemt med en anden tegnkodning?)")
    good = con.execute("SELECT count(*) FROM raw_native").fetchall()[0][0]
    rejected_lines = sorted({int(r[0]) for r in rejects})
    if 1 + good + len(rejected_lines) != lines:
        return None
    problems, seen = [], set()
    for line, kind, text, message in rejects:
        if line in seen:
            continue
        seen.add(line)
        problems.append(Problem(int(line), None, (text or "")[:300], _reject_reason(str(kind), message or "")))
    if rejected_lines:
        # The k-th good row sits after every rejected line that has fewer than k good rows before it.
        con.execute("CREATE OR REPLACE TEMP TABLE raw_gaps AS SELECT * FROM (VALUES " + ", ".join(
            f"({line - 1 - index}, {index})" for index, line in enumerate(rejected_lines, start=1)) +
            ") AS g(good_before, rejected)")
        con.execute("CREATE OR REPLACE TEMP TABLE raw_gaps AS SELECT good_before, max(rejected) AS rejected "
                    "FROM raw_gaps GROUP BY good_before")
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw_file AS SELECT CAST(n.rowid + 2 + coalesce(g.rejected, 0) "
                    f"AS INTEGER) AS _line, {', '.join('n.' + sql_identifier(f.source) for f in contract.fields)} "
                    "FROM raw_native n ASOF LEFT JOIN raw_gaps g ON n.rowid >= g.good_before")
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW raw_file AS SELECT CAST(rowid + 2 AS INTEGER) AS _line, "
                    + ", ".join(sql_identifier(f.source) for f in contract.fields) + " FROM raw_native")
    return RawFile(good + len(rejected_lines), problems, notes, "duckdb")


def _reject_reason(kind: str, message: str) -> str:
    counts = _FIELD_COUNT.search(message)
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS") and counts:
        return f"forventede {counts.group(1)} felter, fandt {counts.group(2)}"
    if kind == "UNQUOTED VALUE":
        return "et felt i anførselstegn er ikke afsluttet korrekt"
    if kind == "LINE SIZE OVER MAXIMUM":
        return "linjen er længere end 1 MB"
    return f"linjen kan ikke læses ({kind.lower()})"


def _python_delimited(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, notes: list[str]) -> RawFile:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=contract.delimiter, strict=True)
    header = [name.strip() for name in next(reader)]
    positions = [header.index(f.source) for f in contract.fields]
    columns: list[list[str | None]] = [[] for _ in contract.fields]
    row_lines: list[int] = []
    problems: list[Problem] = []
    rows_read, previous_end = 0, reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise FileRejected(f"linje {previous_end + 1} kan ikke læses: {error}") from None
        line, previous_end = previous_end + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        rows_read += 1
        while len(row) > len(header) and row[-1] == "":
            row = row[:-1]  # empty fields after the last column, which DuckDB's reader also ignores
        if len(row) != len(header):
            problems.append(Problem(line, None, contract.delimiter.join(row)[:300],
                                    f"forventede {len(header)} felter, fandt {len(row)}"))
            continue
        row_lines.append(line)
        for column, position in zip(columns, positions, strict=True):
            column.append(_clean(row[position]))
    _register(con, _arrow(contract, row_lines, columns))
    return RawFile(rows_read, problems, notes, "python")


# --- JSON lines -----------------------------------------------------------------------------------

def _duckdb_jsonl(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, contract: Contract) -> RawFile:
    """One object per line, parsed by DuckDB's JSON functions.

    DuckDB's parser accepts a trailing comma before ``}`` or ``]``; such a record is unambiguous, so it is
    loaded rather than reported."""
    _drop_raw_file(con)
    if prepared.irregular or not _jsonl_lines_by_csv(con, prepared):
        _jsonl_lines_by_splitting(con, prepared.path, contract)
    # One list of paths parses each line once; a json_extract_string per field parsed it once per field.
    paths = "[" + ", ".join(sql_literal("$." + f.source) for f in contract.fields) + "]"
    con.execute("CREATE OR REPLACE TEMP TABLE raw_json AS SELECT *, CASE WHEN kind = 'OBJECT' THEN "
                f"json_extract_string(line, {paths}) END AS field_values FROM ("
                "SELECT *, json_valid(line) AS valid, CASE WHEN json_valid(line) THEN json_type(line) END AS kind "
                "FROM raw_json)")
    fields = ", ".join(f"NULLIF(trim(field_values[{index}]), '') AS {sql_identifier(f.source)}"
                       for index, f in enumerate(contract.fields, start=1))
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_file AS SELECT _line, {fields} FROM raw_json "
                "WHERE kind = 'OBJECT'")
    problems = [Problem(line, None, text[:300], "ugyldig JSON" if not valid else "linjen er ikke et JSON-objekt")
                for line, text, valid in con.execute(
                    "SELECT _line, line, valid FROM raw_json WHERE kind IS DISTINCT FROM 'OBJECT' ORDER BY _line"
                ).fetchall()]
    rows = con.execute("SELECT count(*) FROM raw_json").fetchall()[0][0]
    return RawFile(rows, problems, reader="duckdb")


def _jsonl_lines_by_csv(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> bool:
    """``raw_json`` from DuckDB's CSV reader taking each line as one field (parallel, about ten times faster
    than splitting the text); False when its rows do not map one-to-one to the file's lines."""
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_json_lines AS SELECT line
            FROM read_csv({sql_literal(str(prepared.path))}, columns = {{'line': 'VARCHAR'}}, delim = '\x01',
                          quote = '', escape = '', header = false, auto_detect = false, max_line_size = 16777216)""")
    except duckdb.Error:  # a line the reader cannot take (bad bytes, a control character): the exact way decides
        return False
    if con.execute("SELECT count(*) FROM raw_json_lines").fetchall()[0][0] != prepared.lines:
        con.execute("DROP TABLE raw_json_lines")
        return False
    # A table's rowid follows insertion order, and DuckDB inserts a file's rows in file order. trim and replace
    # scan the whole line (hundreds of bytes), so they run only on lines that need them.
    padded = " OR ".join(f"{end}(line, {sql_literal(char)})" for end in ("starts_with", "ends_with")
                         for char in " \t\r")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_json AS
        SELECT * FROM (SELECT CAST(rowid + 1 AS INTEGER) AS _line,
                              CASE WHEN {padded} THEN trim(line, ' \t\r') ELSE line END AS line
                       FROM (SELECT rowid, CASE WHEN contains(line, chr(65279)) THEN replace(line, chr(65279), '')
                                           ELSE line END AS line FROM raw_json_lines))
        WHERE line <> ''""")
    con.execute("DROP TABLE raw_json_lines")
    return True


def _jsonl_lines_by_splitting(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract) -> None:
    """``raw_json`` by splitting the whole text at line breaks: exact for any file, but on one thread."""
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE raw_json AS
            SELECT CAST(n AS INTEGER) AS _line, trim(line, ' \t\r') AS line
            FROM (SELECT unnest(generate_series(1, len(lines))) AS n, unnest(lines) AS line
                  FROM (SELECT string_split(replace(content, chr(65279), ''), chr(10)) AS lines
                        FROM read_text({sql_literal(str(path))})))
            WHERE trim(line, ' \t\r') <> ''""")
    except duckdb.InvalidInputException:
        raise FileRejected(f"filen er ikke gyldig {ENCODING_NAMES[contract.encoding]}: den indeholder bytes, der ikke "
                           "kan læses (er filen gemt med en anden tegnkodning?)") from None


# --- XML --------------------------------------------------------------------------------------------

def _read_xml(data: bytes, contract: Contract) -> tuple[pa.Table, RawFile]:
    """One record per ``xml_record`` element; field sources are paths below it (``Periode/@fra``, ``Ydelse``)."""
    _check_start(data[:4096], contract)
    wanted = [f.source for f in contract.fields]
    columns: list[list[str | None]] = [[] for _ in wanted]
    lines: list[int] = []
    state: dict = {"record": None, "path": [], "text": [], "root": None}
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, attributes: dict) -> None:
        if state["root"] is None:
            state["root"] = name
            if name != contract.xml_root:
                raise FileRejected(f"dokumentet hedder <{name}>; kontrakten kræver <{contract.xml_root}>")
        if name == contract.xml_record:
            state["record"], state["path"], state["line"] = {}, [], parser.CurrentLineNumber
            prefix = ""
        elif state["record"] is not None:
            state["path"].append(name)
            prefix = "/".join(state["path"]) + "/"
        else:
            return
        for attribute, value in attributes.items():
            state["record"][f"{prefix}@{attribute}"] = value
        state["text"] = []

    def end(name: str) -> None:
        record = state["record"]
        if record is None:
            return
        if name == contract.xml_record:
            lines.append(state["line"])
            for column, source in zip(columns, wanted, strict=True):
                column.append(_clean(record.get(source)))
            state["record"] = None
            return
        record["/".join(state["path"])] = "".join(state["text"])
        state["path"].pop()
        state["text"] = []

    def text(content: str) -> None:
        if state["record"] is not None:
            state["text"].append(content)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise FileRejected(f"ugyldig XML i linje {error.lineno}, kolonne {error.offset + 1}: "
                           f"{xml.parsers.expat.errors.messages[error.code]}") from None
    notes = []
    if len(set(lines)) < len(lines):
        # A row is known by its file and line (quarantine, lineage); records sharing a line would share a
        # fate, so a bad one would take good ones with it. Numbered instead, each keeps its own.
        lines = list(range(1, len(lines) + 1))
        notes.append(f"flere <{contract.xml_record}> står på samme linje; linjenumre i karantæne og sporing er "
                     "postens nummer i filen")
    return _arrow(contract, lines, columns), RawFile(len(lines), notes=notes, reader="python")
