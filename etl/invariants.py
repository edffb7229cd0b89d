"""Keys the warehouse promises but no index enforces, checked before anything is published.

The large citizen and grant tables carry no primary-key index (DuckDB would maintain it through every
million-row insert), so the build asserts their keys once, at the end, and refuses to publish a
warehouse that breaks one. A full build checks every row; a nightly delta builds on a warehouse whose keys
were checked when it was published, so it checks the keys it wrote: those of the rows this run loaded (its
``etl_run_id``), and the citizens it added or changed.
"""

from __future__ import annotations

import duckdb

from data_access.build import IDENTITY_ALIAS, WAREHOUSE_ALIAS
from data_access.warehouse_schema import VERSIONED_KEYS

# (table, the columns that identify one of its rows)
UNIQUE_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dim_citizen", ("citizen_key",)),
    ("known_citizen", ("citizen_key",)),
    (f"{IDENTITY_ALIAS}.citizen_identity", ("citizen_key",)),
    (f"{IDENTITY_ALIAS}.citizen_identity", ("cpr",)),  # one pseudonym per CPR number
    *VERSIONED_KEYS.items(),
    *((f"{table}_version", (*key, "valid_from")) for table, key in VERSIONED_KEYS.items()),
)


class BrokenKey(Exception):
    """A key the warehouse promises is not unique; the build must not be published."""


def assert_unique_keys(con: duckdb.DuckDBPyConnection, this_run_only: bool = False) -> None:
    """Raise BrokenKey naming every key that repeats, in the build workspace (warehouse and identity attached).

    With ``this_run_only`` (a delta): only keys this run wrote, which needs the temporary tables the run leaves
    (``new_citizens`` from etl.build.pseudonymise) and the ``run_id`` variable."""
    broken = []
    for name, key in UNIQUE_KEYS:
        table = name if "." in name else f"{WAREHOUSE_ALIAS}.{name}"
        columns = ", ".join(key)
        # The example names a pseudonym at most: CPR numbers never go into a message.
        shown = "NULL" if "cpr" in key else f"concat_ws(' / ', {columns})"
        rows = f"(SELECT * FROM {table} WHERE ({columns}) IN ({_written(name, key)}))" if this_run_only else table
        duplicates, example = con.execute(
            f"SELECT count(*), any_value(example) FROM (SELECT {shown} AS example FROM {rows} "
            f"GROUP BY {columns} HAVING count(*) > 1)").fetchall()[0]
        if duplicates:
            broken.append(f"{name} ({columns}): {duplicates} nøgle(r) optræder flere gange"
                          + (f", fx {example}" if example else ""))
    if broken:
        raise BrokenKey("datavarehuset bryder sine nøgler, intet publiceret: " + "; ".join(broken))


def _written(name: str, key: tuple[str, ...]) -> str:
    """SQL for the keys of ``name`` that this run may have written."""
    if key == ("cpr",):
        return (f"SELECT cpr FROM {IDENTITY_ALIAS}.citizen_identity "
                "WHERE citizen_key IN (SELECT citizen_key FROM new_citizens)")
    if key == ("citizen_key",) and not name.startswith("person_cpr"):
        return ("SELECT citizen_key FROM new_citizens UNION SELECT citizen_key FROM "
                f"{WAREHOUSE_ALIAS}.person_cpr_version WHERE etl_run_id = getvariable('run_id')")
    return (f"SELECT {', '.join(key)} FROM {WAREHOUSE_ALIAS}.{name} "
            "WHERE etl_run_id = getvariable('run_id')")
