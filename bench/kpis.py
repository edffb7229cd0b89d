"""KPI queries on a published warehouse, measured against the KPI issue's targets.

For every KPI in the catalogue, all municipalities and all months:

- the engine: ``KpiEngine.values`` with the command line's scope (a politician: every figure resting
  on too few persons is suppressed, so disclosure control runs in full);
- the engine's compiled statement alone (each side's sums per municipality and month, without the spine),
  run on the raw connection: what the engine adds in Python (laying the sums on the spine, converting
  periods, disclosure control) is the difference;
- a hand-written minimal SQL query for the same numbers, made from the definition in the most
  direct way: one GROUP BY per side over its aggregate table, full-joined on municipality and month.

The three run in turn in the same loop, on the same read-only file, after a warm-up; before any is
timed, the KPI's compiled numbers (the full statement, spine and all) and what the engine shows are
checked against the hand-written query's (rows missing on one side count as 0), so the comparison is
between equal answers. The headline KPIs are also computed the way a
typical pandas app would: the fact rows they need read into DataFrames and grouped and merged in
pandas. When kpi/decompose.py is there, one decomposition-tree expansion by each split it offers.

    python -m bench kpis --warehouse /srv/overblik/warehouse    (an existing warehouse, nothing generated)
    python -m bench kpis --warehouse W --kpi K-UBU-STARTS --kpi K-EFF-VUM-12    (some KPIs only)

A KPI the warehouse cannot answer (a table or column it lacks, e.g. a KPI newer than the warehouse) is
reported as skipped, with the reason, and left out of the headline.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from duckdb_engine import Dialect as DuckDBDialect

from data_access.appstate import AppState
from data_access.scope import Role, UserScope, command_line_scope
from data_access.warehouse import Warehouse
from etl.contracts import sql_literal
from kpi.catalogue import Catalogue, Kpi, Side, load_catalogue
from kpi.compiler import compile_sides, compile_values
from kpi.engine import KpiEngine, period_label
from kpi.groups import load_groups

from .measure import summary

RUNS = 20
PANDAS_RUNS = 3
DECOMPOSITION_RUNS = 10
DECOMPOSITION_KPI = "K-UBU-PLAC-1000"
DECOMPOSITION_MUNICIPALITY = 101
OTHER_MUNICIPALITY = 147  # a politician elsewhere in the same region
KEYS = ["municipality_code", "period"]
FIGURES = ["numerator", "denominator", "value"]

RATIO_TARGET = 1.5

# (what, measured value path, limit, unit) from the KPI issue
TARGETS = (
    ("KPI, median (max over catalogue)", ("kpis", "max_median_ms"), 500, "ms"),
    ("KPI / håndskrevet SQL (max)", ("kpis", "max_ratio"), RATIO_TARGET, "×"),
    ("opdelingstræ, én udfoldning (max)", ("kpis", "decomposition_max_median_ms"), 200, "ms"),
)

_DIALECT = DuckDBDialect(paramstyle="numeric_dollar")


def published_file(path: Path) -> Path:
    """The DuckDB file behind a warehouse directory (its current.duckdb link) or the file itself."""
    path = Path(path)
    return (path / "current.duckdb").resolve() if path.is_dir() else path.resolve()


def measure(warehouse_path: Path, runs: int = RUNS, progress: Callable[[str], None] | None = None,
            kpi_ids: list[str] | None = None) -> dict:
    """Every KPI's timings, the pandas way for the headline KPIs and a decomposition expansion; with ``kpi_ids``
    only those KPIs (and the pandas way and decomposition only where they concern them)."""
    say = progress or _progress
    file = published_file(warehouse_path)
    warehouse = Warehouse(file)
    engine = KpiEngine(load_catalogue(), load_groups(), warehouse)
    raw = duckdb.connect(str(file), read_only=True)
    try:
        # The machine may be shared: its load before and after says how far the absolute times can be trusted.
        # The ratios suffer less, since the queries compared run in turn in the same loop.
        result: dict = {"warehouse": describe(raw, file), "runs": runs, "scope": "kommandolinje (politiker)",
                        "load_average_before": [round(x, 2) for x in os.getloadavg()]}
        selected = list(engine.catalogue.kpis) if kpi_ids is None else [engine.kpi(k).id for k in kpi_ids]
        if kpi_ids is not None:
            result["selected"] = selected
        say(f"{len(selected)} nøgletal, {runs} kørsler hver, på {file}")
        result["values"] = {kpi_id: values_or_skip(engine, raw, kpi_id, runs, say) for kpi_id in selected}
        result["pandas"] = {}
        for kpi_id, how in PANDAS_WAYS.items():
            if kpi_id not in selected or "skipped" in result["values"][kpi_id]:
                continue
            say(f"{kpi_id} på pandas-måden (indlæs fakta og gruppér) …")
            reference = fetch(raw, *compiled(engine.catalogue, engine.kpi(kpi_id)))
            result["pandas"][kpi_id] = pandas_way(raw, how, reference, result["values"][kpi_id], say)
        if DECOMPOSITION_KPI in selected:
            say("opdelingstræ …")
            result["decomposition"] = decomposition(engine, say)
        else:
            result["decomposition"] = {"measured": False, "reason": f"{DECOMPOSITION_KPI} er ikke blandt de valgte"}
    finally:
        raw.close()
        warehouse.close()
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result.update(headline(result))
    return result


def describe(raw: duckdb.DuckDBPyConnection, file: Path) -> dict:
    municipalities, months, first, last = raw.execute(
        "SELECT (SELECT count(*) FROM dim_municipality), count(*), min(month), max(month) FROM dim_month").fetchone()
    return {"file": str(file), "mib": round(file.stat().st_size / 2**20, 1), "municipalities": municipalities,
            "months": months, "first_month": str(first), "last_month": str(last)}


# --- engine beside hand-written SQL -----------------------------------------------------------------


def values_or_skip(engine: KpiEngine, raw: duckdb.DuckDBPyConnection, kpi_id: str, runs: int,
                   say: Callable[[str], None]) -> dict:
    """``values``, or why the warehouse cannot answer the KPI (a table or column it does not have)."""
    try:
        return values(engine, raw, kpi_id, runs, say)
    except (duckdb.CatalogException, duckdb.BinderException) as error:
        reason = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        say(f"{kpi_id:<24} SPRUNGET OVER: lageret mangler noget ({reason})")
        return {"skipped": reason}


def values(engine: KpiEngine, raw: duckdb.DuckDBPyConnection, kpi_id: str, runs: int,
           say: Callable[[str], None]) -> dict:
    kpi = engine.kpi(kpi_id)
    scope = command_line_scope()
    engine_sql, parameters = compiled(engine.catalogue, kpi, sides=True)
    hand_sql = handwritten_sql(engine.catalogue, kpi)

    def run_engine() -> pd.DataFrame:
        return engine.values(scope, kpi_id)

    viewers = iter(_new_viewers(engine))

    def run_engine_new_viewer() -> pd.DataFrame:
        return engine.values(next(viewers), kpi_id)

    def run_engine_sql() -> pd.DataFrame:
        return fetch(raw, engine_sql, parameters)

    def run_hand() -> pd.DataFrame:
        return fetch(raw, hand_sql)

    # Warm-up and check: the KPI's numbers before disclosure control (the compiled statement with its spine, which
    # tests/test_engine_paths.py holds the engine's own to), and what the engine shows, against the hand-written
    # query's.
    run_engine_sql()
    shown, unsuppressed, hand = run_engine(), fetch(raw, *compiled(engine.catalogue, kpi)), run_hand()
    check = same_numbers(unsuppressed, hand)
    visible = shown[~shown["suppressed"]]
    check["shown_differences"] = same_numbers(visible, hand, only_left=True)["differences"]
    check["suppressed"] = int(shown["suppressed"].sum())
    timings = interleaved({"engine": run_engine, "engine_new_viewer": run_engine_new_viewer,
                           "engine_sql": run_engine_sql, "handwritten": run_hand}, runs)
    compile_times = [_seconds(lambda: compiled(engine.catalogue, kpi, sides=True)) for _ in range(runs)]
    entry = {name: summary(times) for name, times in timings.items()}
    entry["compile"] = summary(compile_times)
    entry["rows"] = {"engine": len(shown), "handwritten": len(hand)}
    entry["check"] = check
    entry["ratio"] = _ratio(entry["engine"], entry["handwritten"])
    entry["new_viewer_ratio"] = _ratio(entry["engine_new_viewer"], entry["handwritten"])
    entry["engine_sql_ratio"] = _ratio(entry["engine_sql"], entry["handwritten"])
    say(kpi_line(kpi_id, entry))
    return entry


def _new_viewers(engine: KpiEngine):
    """A politician of each municipality in turn, again and again: the engine keeps a viewer's disclosure control
    by the counts it rests on, so a viewer it has not yet seen for the KPI pays for its own part of it, as the first
    user of a municipality to open the KPI after a night's load does. What every viewer shares is kept from the
    first of them on (only the first run of each round, like the first user of all, pays for that too)."""
    codes = sorted(engine.groups.municipalities)
    while True:
        engine.forget_disclosure()  # nothing kept from another KPI with the same counts, or from the last round
        for code in codes:
            yield UserScope("bench", Role.POLITICIAN, code)


def compiled(catalogue: Catalogue, kpi: Kpi, sides: bool = False) -> tuple[str, list]:
    """The KPI's statement for all municipalities and months, as the warehouse runs it: with ``sides`` the one the
    engine runs (each side's sums, which it lays on the spine itself), else the full one with the spine, in order."""
    statement = compile_sides(catalogue, kpi) if sides else compile_values(catalogue, kpi)
    statement = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    return str(statement), [statement.params[name] for name in statement.positiontup or []]


def fetch(raw: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> pd.DataFrame:
    """One statement on its own cursor into a DataFrame, as data_access.warehouse does."""
    cursor = raw.cursor()
    try:
        return cursor.execute(sql, parameters or []).df()
    finally:
        cursor.close()


def handwritten_sql(catalogue: Catalogue, kpi: Kpi) -> str:
    """The KPI's numbers as directly as SQL gives them: each side grouped by municipality and month on its
    aggregate table, the two full-joined; a count KPI divides by 1 per municipality with population figures."""
    numerator = _side_sql(catalogue, kpi, kpi.numerator)
    denominator = ("SELECT municipality_code, month, 1 AS total FROM agg_population_month GROUP BY ALL"
                   if kpi.is_count else _side_sql(catalogue, kpi, kpi.denominator))
    return (f"WITH n AS ({numerator}), d AS ({denominator}) "
            "SELECT municipality_code, month AS period, coalesce(n.total, 0) AS numerator, "
            f"coalesce(d.total, 0) AS denominator, coalesce(n.total, 0) * {kpi.scale!r} / nullif(d.total, 0) AS value "
            "FROM n FULL JOIN d USING (municipality_code, month)")


def _side_sql(catalogue: Catalogue, kpi: Kpi, side: Side) -> str:
    fact = catalogue.facts[side.fact]
    measure = fact.measures[side.measure]
    total = f"sum({measure.column})"
    if measure.over_time == "full_year":  # full-year persons in a month: its person-days over its days
        total += " / day(last_day(month))"
    where = " AND ".join(_condition(column, rule) for column, rule in side.where.items()) or "true"
    return (f"SELECT {fact.municipality_column(kpi.municipality_basis)} AS municipality_code, month, {total} AS total "
            f"FROM {fact.table} WHERE {where} GROUP BY 1, 2")


def _condition(column: str, rule) -> str:
    if isinstance(rule, dict):
        low, high = rule["between"]
        return f"{column} BETWEEN {_literal(low)} AND {_literal(high)}"
    if isinstance(rule, list):
        return f"{column} IN ({', '.join(_literal(v) for v in rule)})"
    return f"{column} = {_literal(rule)}"


def _literal(value) -> str:
    return str(value) if isinstance(value, int | float) else sql_literal(str(value))


def same_numbers(left: pd.DataFrame, right: pd.DataFrame, only_left: bool = False, rtol: float = 1e-9) -> dict:
    """Compare numerator, denominator and value per municipality and period. A row one side lacks counts
    as numerator and denominator 0 and no value (the engine's spine has every municipality and month; the
    hand-written query only those with data). With ``only_left``, rows only ``right`` has are not compared."""
    left, right = _normalised(left), _normalised(right)
    merged = left.merge(right, on=KEYS, how="left" if only_left else "outer", suffixes=("_left", "_right"))
    for side in ("left", "right"):
        for column in ("numerator", "denominator"):
            merged[f"{column}_{side}"] = merged[f"{column}_{side}"].fillna(0.0)
    differs = pd.Series(False, index=merged.index)
    for column in FIGURES:
        a, b = merged[f"{column}_left"].to_numpy(float), merged[f"{column}_right"].to_numpy(float)
        differs |= ~np.isclose(a, b, rtol=rtol, atol=1e-9, equal_nan=True)
    return {"rows_compared": len(merged), "differences": int(differs.sum()),
            "example": merged[differs].head(3).astype(str).to_dict("records") if differs.any() else []}


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[KEYS + FIGURES].copy()
    frame["municipality_code"] = frame["municipality_code"].astype("int64")
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    for column in FIGURES:
        frame[column] = frame[column].astype(float)
    return frame


def interleaved(functions: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Each function once per round, in turn, so that a busy moment on a shared machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(runs):
        for name, function in functions.items():
            times[name].append(_seconds(function))
    return times


def _seconds(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _ratio(engine: dict, reference: dict) -> float:
    return round(engine["median_ms"] / reference["median_ms"], 2) if reference["median_ms"] else float("inf")


# --- the pandas way ---------------------------------------------------------------------------------


def placed_per_1000(raw: duckdb.DuckDBPyConnection) -> tuple[dict[str, pd.DataFrame], Callable]:
    """K-UBU-PLAC-1000 from fact_person_month and fact_population."""
    frames = {
        "persons": fetch(raw, "SELECT paying_municipality_code AS municipality_code, month FROM fact_person_month "
                              "WHERE measure_group = 'placement' AND age BETWEEN 0 AND 22"),
        "population": fetch(raw, "SELECT municipality_code, quarter_start, persons FROM fact_population "
                                 "WHERE age BETWEEN 0 AND 22"),
        "municipalities": fetch(raw, "SELECT municipality_code FROM dim_municipality"),
        "months": fetch(raw, "SELECT month FROM dim_month"),
    }

    def compute(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
        numerator = f["persons"].groupby(["municipality_code", "month"]).size().rename("numerator").reset_index()
        quarters = (f["population"].groupby(["municipality_code", "quarter_start"])["persons"].sum()
                    .reset_index().sort_values("quarter_start"))
        grid = f["municipalities"].merge(f["months"], how="cross").sort_values("month")
        # Each month takes the newest quarter counted by then.
        grid = pd.merge_asof(grid, quarters, left_on="month", right_on="quarter_start", by="municipality_code")
        frame = grid.merge(numerator, on=["municipality_code", "month"], how="left")
        frame["numerator"] = frame["numerator"].fillna(0)
        frame["denominator"] = frame["persons"].fillna(0)
        return _with_value(frame, 1000)

    return frames, compute


def budget_use(raw: duckdb.DuckDBPyConnection) -> tuple[dict[str, pd.DataFrame], Callable]:
    """K-ECO-BUDGET-USE from fact_payment and fact_budget: spend year to date over the budget pro rata."""
    frames = {
        "payments": fetch(raw, "SELECT municipality_code, period_month, function_code, amount FROM fact_payment"),
        "budget": fetch(raw, "SELECT municipality_code, year, function_code, corrected_budget FROM fact_budget"),
        "functions": fetch(raw, "SELECT function_code, area FROM dim_account_function"),
        "municipalities": fetch(raw, "SELECT municipality_code FROM dim_municipality"),
        "months": fetch(raw, "SELECT month, year FROM dim_month"),
    }

    def compute(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
        functions = set(f["functions"].loc[f["functions"]["area"].isin(["children", "adults"]), "function_code"])
        months = f["months"].sort_values("month", ignore_index=True)
        payments = f["payments"]
        payments = payments[payments["function_code"].isin(functions) & payments["period_month"].isin(months["month"])]
        spend = payments.groupby(["municipality_code", "period_month"])["amount"].sum().rename("spend").reset_index()
        grid = f["municipalities"].merge(months, how="cross")
        grid = grid.merge(spend, left_on=["municipality_code", "month"], right_on=["municipality_code", "period_month"],
                          how="left").sort_values(["municipality_code", "month"], ignore_index=True)
        grid["numerator"] = grid["spend"].fillna(0).groupby([grid["municipality_code"], grid["year"]]).cumsum()
        # The budget pro rata: the months of its year that the history covers, so far.
        months["months_so_far"] = months.groupby("year").cumcount() + 1
        budget = f["budget"][f["budget"]["function_code"].isin(functions)].merge(months, on="year")
        budget["budget_ytd"] = (budget["corrected_budget"] * budget["months_so_far"] / 12).round(2)
        denominator = budget.groupby(["municipality_code", "month"])["budget_ytd"].sum().rename("denominator")
        frame = grid.merge(denominator.reset_index(), on=["municipality_code", "month"], how="left")
        frame["denominator"] = frame["denominator"].fillna(0)
        return _with_value(frame, 100)

    return frames, compute


def _with_value(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    denominator = frame["denominator"].astype(float)
    frame["value"] = frame["numerator"].astype(float) * scale / denominator.where(denominator != 0)
    return frame.rename(columns={"month": "period"})[KEYS + FIGURES]


PANDAS_WAYS = {"K-UBU-PLAC-1000": placed_per_1000, "K-ECO-BUDGET-USE": budget_use}


def pandas_way(raw: duckdb.DuckDBPyConnection, how: Callable, reference: pd.DataFrame, engine_entry: dict,
               say: Callable[[str], None], runs: int = PANDAS_RUNS) -> dict:
    """Load (the facts into DataFrames) and compute (group and merge in pandas), timed apart; checked against
    the engine's numbers (before disclosure control). The first run is the warm-up. Amounts arrive in pandas
    as floats, so the check allows a relative 1e-6."""
    load, compute, total, frame, rows = [], [], [], None, 0
    for run in range(runs + 1):
        started = time.perf_counter()
        frames, function = how(raw)
        loaded = time.perf_counter()
        frame = function(frames)
        done = time.perf_counter()
        rows = sum(len(f) for f in frames.values())
        del frames
        if run:
            load.append(loaded - started)
            compute.append(done - loaded)
            total.append(done - started)
    entry = {"load": summary(load), "compute": summary(compute), "total": summary(total), "rows_loaded": rows}
    entry["times_engine"] = _ratio(entry["total"], engine_entry["engine"])
    entry["check"] = same_numbers(reference, frame, rtol=1e-6)
    say(f"  pandas: indlæs {entry['load']['median_ms']:.0f} ms ({rows:,} rækker) + gruppér "
        f"{entry['compute']['median_ms']:.0f} ms = {entry['total']['median_ms']:.0f} ms, "
        f"{entry['times_engine']}× motoren, {_same(entry['check']['differences'])}")
    return entry


# --- decomposition ----------------------------------------------------------------------------------


def decomposition(engine: KpiEngine, say: Callable[[str], None], runs: int = DECOMPOSITION_RUNS) -> dict:
    """One expansion of K-UBU-PLAC-1000 for municipality 101 in the latest month, by each split offered: as
    the municipality's own leader (every split, person-level ones too) and as another municipality's
    politician (the aggregates only, with disclosure control). ``max_median_ms`` is the slowest of all,
    ``max_dimension_median_ms`` the slowest split by one dimension (not the search for the largest
    difference, which weighs them all). Not measured while kpi/decompose.py is missing."""
    try:
        from kpi import decompose as module
        from kpi.node import LARGEST_DIFFERENCE, NUMERATOR_DENOMINATOR, root
    except ImportError as error:
        return {"measured": False, "reason": f"kpi/decompose.py findes ikke endnu ({error})"}
    except Exception as error:  # there, but half-written
        return {"measured": False, "reason": f"kpi/decompose.py kan ikke indlæses ({type(error).__name__}: {error})"}
    kpi_id, municipality = DECOMPOSITION_KPI, DECOMPOSITION_MUNICIPALITY
    viewers = {"leder i kommunen": UserScope("bench", Role.LEADER, municipality),
               f"politiker i kommune {OTHER_MUNICIPALITY}": UserScope("bench", Role.POLITICIAN, OTHER_MUNICIPALITY)}
    result: dict = {"measured": True, "kpi": kpi_id, "municipality": municipality, "runs": runs, "viewers": {}}
    with tempfile.TemporaryDirectory(prefix="overblik-bench-appstate-") as folder:
        appstate = AppState(f"sqlite:///{Path(folder) / 'appstate.sqlite'}")  # person-level splits are audit-logged
        try:
            period = engine.months_covered(command_line_scope())[1]
            result["period"] = period_label(period, "month")
            for viewer, scope in viewers.items():
                node = root(engine.kpi(kpi_id), municipality, period, "month")
                splits = {}
                for by, label in module.choices_at(engine, scope, node):
                    def expand(by=by, scope=scope):
                        return module.decompose(engine, scope, kpi_id, municipality, period, "month", by=by,
                                                appstate=appstate)
                    try:
                        expand()
                    except Exception as error:  # a module under construction: say what failed, measure the rest
                        splits[by] = {"label": label, "error": f"{type(error).__name__}: {error}"}
                        continue
                    splits[by] = {"label": label, **summary([_seconds(expand) for _ in range(runs)])}
                    say(f"  {viewer}: {by} {splits[by]['median_ms']:.0f} ms")
                result["viewers"][viewer] = splits
        except Exception as error:
            return {"measured": False, "reason": f"{type(error).__name__}: {error}",
                    "trace": traceback.format_exc(limit=3)}
        finally:
            appstate.engine.dispose()
    medians = [(s["median_ms"], viewer, by) for viewer, splits in result["viewers"].items()
               for by, s in splits.items() if "median_ms" in s]
    if medians:
        result["max_median_ms"], result["max_viewer"], result["max_by"] = max(medians)
        dimensions = [m for m in medians if m[2] not in (NUMERATOR_DENOMINATOR, LARGEST_DIFFERENCE)]
        result["max_dimension_median_ms"] = max(dimensions)[0] if dimensions else None
    return result


# --- summary ----------------------------------------------------------------------------------------


def headline(result: dict) -> dict:
    entries = measured(result)
    if not entries:
        return {"max_median_ms": None, "max_median_kpi": None, "max_ratio": None, "max_ratio_kpi": None,
                "differences": 0, "skipped": len(result["values"]),
                "decomposition_max_median_ms": result["decomposition"].get("max_median_ms")}
    slowest = max(entries, key=lambda k: entries[k]["engine"]["median_ms"])
    widest = max(entries, key=lambda k: entries[k]["ratio"])
    decomposition = result["decomposition"]
    return {"max_median_ms": entries[slowest]["engine"]["median_ms"], "max_median_kpi": slowest,
            "max_ratio": entries[widest]["ratio"], "max_ratio_kpi": widest,
            "differences": sum(e["check"]["differences"] + e["check"]["shown_differences"] for e in entries.values()),
            "within_ratio_target": sum(e["ratio"] <= RATIO_TARGET for e in entries.values()),
            "new_viewer_max_ratio": max((e["new_viewer_ratio"] for e in entries.values() if "new_viewer_ratio" in e),
                                        default=None),
            "new_viewer_within_ratio_target": sum(e.get("new_viewer_ratio", np.inf) <= RATIO_TARGET
                                                  for e in entries.values()),
            "median_ratio": round(float(np.median([e["ratio"] for e in entries.values()])), 2),
            "skipped": len(result["values"]) - len(entries),
            "decomposition_max_median_ms": decomposition.get("max_median_ms")}


def measured(result: dict) -> dict:
    """The KPIs that were measured (not skipped)."""
    return {kpi_id: entry for kpi_id, entry in result["values"].items() if "skipped" not in entry}


def kpi_line(kpi_id: str, entry: dict) -> str:
    same = _same(entry["check"]["differences"] + entry["check"]["shown_differences"])
    engine, engine_sql, hand = entry["engine"], entry["engine_sql"], entry["handwritten"]
    new_viewer = (f" (ny seer {entry['engine_new_viewer']['median_ms']:6.1f} ms: {entry['new_viewer_ratio']:4.2f}×)"
                  if "engine_new_viewer" in entry else "")
    return (f"{kpi_id:<24} motor {engine['median_ms']:6.1f} ms (p95 {engine['p95_ms']:6.1f}), "
            f"motorens SQL {engine_sql['median_ms']:6.1f} ms, håndskrevet {hand['median_ms']:6.1f} ms: "
            f"{entry['ratio']:4.2f}×{new_viewer}, {same}")


def report_lines(result: dict) -> list[str]:
    """The per-KPI table and the summary, in the bench's printed style."""
    lines = [f"{kpi_id:<24} SPRUNGET OVER: {entry['skipped']}" if "skipped" in entry else kpi_line(kpi_id, entry)
             for kpi_id, entry in result["values"].items()]
    for kpi_id, entry in result["pandas"].items():
        lines.append(f"{kpi_id:<24} pandas-måden {entry['total']['median_ms']:.0f} ms (indlæs "
                     f"{entry['load']['median_ms']:.0f} ms, {entry['rows_loaded']:,} rækker; gruppér "
                     f"{entry['compute']['median_ms']:.0f} ms): {entry['times_engine']}× motoren, "
                     f"{_same(entry['check']['differences'])}")
    decomposition = result["decomposition"]
    if decomposition.get("measured") and "max_median_ms" in decomposition:
        for viewer, splits in decomposition["viewers"].items():
            parts = [f"{by} {s['median_ms']:.0f}" if "median_ms" in s else f"{by} FEJL" for by, s in splits.items()]
            lines.append(f"opdelingstræ {decomposition['kpi']} {decomposition['municipality']} "
                         f"{decomposition['period']}, {viewer} (ms): " + ", ".join(parts))
        lines.append(f"Langsomste udfoldning: {decomposition['max_by']} ({decomposition['max_viewer']}) "
                     f"{decomposition['max_median_ms']} ms; langsomste opdeling efter én dimension "
                     f"{decomposition['max_dimension_median_ms']} ms")
    else:
        lines.append(f"opdelingstræ: ikke målt ({decomposition.get('reason', 'ingen opdeling lykkedes')})")
    if result["max_median_kpi"] is not None:
        lines.append(f"Langsomste nøgletal: {result['max_median_kpi']} {result['max_median_ms']} ms (median); "
                     f"største forhold til håndskrevet SQL: {result['max_ratio_kpi']} {result['max_ratio']}×; "
                     f"{result['within_ratio_target']} af {len(measured(result))} inden for {RATIO_TARGET}×, "
                     f"median {result['median_ratio']}×")
        if result.get("new_viewer_max_ratio") is not None:
            lines.append(f"For en seer, motoren ikke har regnet afsløringskontrol for endnu: største forhold "
                         f"{result['new_viewer_max_ratio']}×; {result['new_viewer_within_ratio_target']} af "
                         f"{len(measured(result))} inden for {RATIO_TARGET}×")
    if result["skipped"]:
        lines.append(f"{result['skipped']} nøgletal sprunget over (lageret mangler tabeller eller kolonner)")
    return lines


def _same(differences: int) -> str:
    return "samme tal" if differences == 0 else f"{differences} AFVIGELSER"


def _progress(text: str) -> None:
    print(f"[kpi] {text}", file=sys.stderr, flush=True)
