"""DuckDB's fast CSV path and the exact Python reader agree on every row, value and line number."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.contracts import Contract, Field
from etl.readers import (
    FileRejected,
    _duckdb_delimited,
    _jsonl_lines_by_csv,
    _jsonl_lines_by_splitting,
    _line_structure,
    _python_delimited,
    prepare,
    read_into,
)

CONTRACT = Contract(source="probe", system="TEST", title="Prøve", pattern=re.compile(r"^PROBE_(?P<date>\d{8})\.csv$"),
                    format="delimited", encoding="utf-8", fields=(Field("a", "a"), Field("b", "b"), Field("c", "c")))
HEADER = "a;b;c"

cell = st.text(alphabet="xyzæø 1;\"", max_size=6)


def line_for(values: list[str]) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(ch in value for ch in ';"') else value
    return ";".join(quoted(v) for v in values)


rows = st.lists(st.one_of(st.lists(cell, min_size=3, max_size=3).map(line_for),  # a proper row
                          st.lists(cell, min_size=1, max_size=5).map(line_for)),  # often the wrong field count
                min_size=1, max_size=25)


def snapshot(con: duckdb.DuckDBPyConnection, result) -> tuple[list[tuple], list[int]]:
    table = con.execute("SELECT _line, a, b, c FROM raw_file ORDER BY _line").fetchall()
    return table, sorted(p.line for p in result.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=rows)
def test_fast_and_exact_readers_agree(tmp_path, body):
    path = tmp_path / "PROBE_20260101.csv"
    path.write_text(HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    exact = duckdb.connect()
    expected = snapshot(exact, _python_delimited(exact, path, CONTRACT, []))
    lines, irregular, _ = _line_structure(path)
    if not irregular:  # as in production: only regular files are offered to DuckDB's reader
        fast = duckdb.connect()
        taken = _duckdb_delimited(fast, path, CONTRACT, ["a", "b", "c"], lines, [])
        if taken is not None:  # it declines files whose lines do not map one-to-one to rows
            assert snapshot(fast, taken) == expected
    chosen = duckdb.connect()
    assert snapshot(chosen, read_into(chosen, path, CONTRACT, tmp_path)) == expected


def test_irregular_files_take_the_exact_reader(tmp_path):
    path = tmp_path / "PROBE_20260101.csv"
    path.write_text('a;b;c\n1;2;3\n\n4;"multi\nline";6\n7;8;9\n', encoding="utf-8")
    con = duckdb.connect()
    result = read_into(con, path, CONTRACT, tmp_path)
    assert result.reader == "python"
    assert con.execute("SELECT _line, a, b, c FROM raw_file ORDER BY _line").fetchall() == [
        (2, "1", "2", "3"), (4, "4", "multi\nline", "6"), (6, "7", "8", "9")]


JSON_CONTRACT = Contract(source="probe_json", system="TEST", title="Prøve",
                         pattern=re.compile(r"^PROBE_(?P<date>\d{8})\.jsonl$"), format="jsonl", encoding="utf-8",
                         fields=(Field("a", "a"), Field("b.c", "c"), Field("n", "n")))

json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                                     st.text(alphabet="xyz æø", max_size=5)),
                           lambda inner: st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
                           max_leaves=6)
json_lines = st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={"a": json_values, "b": json_values, "n": json_values}).map(json.dumps),
    st.sampled_from(["", "  ", "[1, 2]", '"tekst"', "{broken", '{"a": 1,}', "null", "17"])), min_size=1, max_size=20)


def oracle(text: str) -> tuple[list[tuple], list[int]]:
    """What a line-by-line json.loads reader makes of the file: the reference for DuckDB's JSON path."""
    def walk(record, path):
        for key in path:
            if not isinstance(record, dict):
                return None
            record = record.get(key)
        if record is None:
            return None
        if isinstance(record, bool):
            return "true" if record else "false"
        value = json.dumps(record, separators=(",", ":"), ensure_ascii=False) if isinstance(record, (dict, list)) \
            else str(record)
        return value.strip() or None

    rows, problems = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            # DuckDB's parser tolerates a trailing comma before } or ]; the record is still unambiguous,
            # so the product accepts it too (the sampled strings never hold a comma themselves).
            try:
                record = json.loads(re.sub(r",\s*([}\]])", r"\1", line))
            except json.JSONDecodeError:
                problems.append(number)
                continue
        if not isinstance(record, dict):
            problems.append(number)
            continue
        rows.append((number, walk(record, ["a"]), walk(record, ["b", "c"]), walk(record, ["n"])))
    return rows, problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_lines)
def test_duckdbs_json_path_agrees_with_a_line_by_line_reader(tmp_path, body):
    path = tmp_path / "PROBE_20260101.jsonl"
    text = "\n".join(body) + "\n"
    path.write_text(text, encoding="utf-8")
    con = duckdb.connect()
    if not text.strip():
        # A delivery holding nothing but blank lines is an empty file, refused like any other.
        with pytest.raises(FileRejected, match="tom"):
            read_into(con, path, JSON_CONTRACT, tmp_path)
        return
    result = read_into(con, path, JSON_CONTRACT, tmp_path)
    got = con.execute('SELECT _line, a, "b.c", n FROM raw_file ORDER BY _line').fetchall()
    assert (got, sorted(p.line for p in result.problems)) == oracle(text)


@pytest.mark.parametrize("body", [
    b'{"a": 1}\n{"a": 2}\n',
    b'\xef\xbb\xbf {"a": 1}\t\r\n[1]\r\n{"a": "\xc3\xa6\xef\xbb\xbf"}',  # BOM, padding, CRLF, no last break
    b'{"a": 1}\n{broken\n"tekst"\n',
])
def test_json_lines_taken_by_the_csv_reader_are_the_lines_splitting_gives(tmp_path, body):
    path = tmp_path / "PROBE_20260101.jsonl"
    path.write_bytes(body)
    prepared = prepare(path, JSON_CONTRACT, tmp_path)
    fast, exact = duckdb.connect(), duckdb.connect()
    assert not prepared.irregular and _jsonl_lines_by_csv(fast, prepared)  # the fast way takes regular files
    _jsonl_lines_by_splitting(exact, path, JSON_CONTRACT)
    query = "SELECT _line, line FROM raw_json ORDER BY _line"
    assert fast.execute(query).fetchall() == exact.execute(query).fetchall()


def test_a_json_file_with_a_blank_line_is_split_exactly(tmp_path):
    path = tmp_path / "PROBE_20260101.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": 2}\n')
    con = duckdb.connect()
    assert prepare(path, JSON_CONTRACT, tmp_path).irregular
    read_into(con, path, JSON_CONTRACT, tmp_path)
    assert con.execute("SELECT _line, a FROM raw_file ORDER BY _line").fetchall() == [(1, "1"), (3, "2")]
