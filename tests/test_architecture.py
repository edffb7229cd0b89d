"""The architecture holds: pages and app.py only lay out; only data_access opens connections."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
PROJECT_FILES = [p for folder in ("app.py", "pages", "ui", "data_access", "kpi", "etl", "locale_da.py")
                 for p in ([ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).rglob("*.py")))]

FORBIDDEN_IN_UI = ("duckdb", "sqlalchemy", "sqlite3", "psycopg", "psycopg2")
SQL = re.compile(r"\b(SELECT\b[\s\S]+?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
                 r"DROP\s+TABLE|ATTACH\s+')", re.IGNORECASE)
FILE_IO = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "read_csv", "read_parquet", "to_parquet")
CONNECTS = {("duckdb", "connect"), ("sqlalchemy", "create_engine"), ("sqlite3", "connect")}


def imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def sql_in_strings(tree: ast.AST) -> list[str]:
    return [node.value[:60] for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)]


def file_io_calls(tree: ast.AST) -> list[str]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in FILE_IO:
                calls.append(name)
    return calls


def connection_calls(tree: ast.AST) -> list[str]:
    imported = {}  # local name → module, for `from duckdb import connect`
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = node.module.split(".")[0]
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in CONNECTS:
                calls.append(f"{func.value.id}.{func.attr}")
        elif isinstance(func, ast.Name) and (imported.get(func.id), func.id) in CONNECTS:
            calls.append(func.id)
    return calls


def problems_in_ui_file(source: str) -> list[str]:
    tree = ast.parse(source)
    found = [f"imports {m}" for m in sorted(imported_modules(tree) & set(FORBIDDEN_IN_UI))]
    found += [f"SQL text: {s!r}" for s in sql_in_strings(tree)]
    found += [f"file I/O: {c}()" for c in file_io_calls(tree)]
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_app_and_ui_have_no_sql_database_imports_or_file_io(path):
    assert problems_in_ui_file(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", [p for p in PROJECT_FILES if "data_access" not in p.parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_data_access_opens_connections(path):
    assert connection_calls(ast.parse(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("import duckdb\n", "imports duckdb"),
    ("from sqlalchemy import select\n", "imports sqlalchemy"),
    ("q = '''select name\\n from dim_municipality'''\n", "SQL text"),
    ("x = 'INSERT INTO users VALUES (1)'\n", "SQL text"),
    ("data = open('x.csv').read()\n", "file I/O: open()"),
    ("import pandas as pd\nframe = pd.read_csv('x.csv')\n", "file I/O: read_csv()"),
])
def test_the_checks_catch_what_they_are_meant_to(source, expected):
    assert any(problem.startswith(expected) for problem in problems_in_ui_file(source))


@pytest.mark.parametrize("source", ["import duckdb\nduckdb.connect('x')\n", "from duckdb import connect\nconnect()\n",
                                    "import sqlalchemy\nsqlalchemy.create_engine('sqlite://')\n"])
def test_the_connection_check_catches_connects(source):
    assert connection_calls(ast.parse(source))


def test_plain_danish_text_is_not_mistaken_for_sql():
    assert problems_in_ui_file("label = 'Vælg et nøgletal fra listen'\n") == []
