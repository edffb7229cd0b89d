"""KPIs on the command line.

    python -m kpi list [--warehouse DIR]
    python -m kpi export --kpi ID [--warehouse DIR] [--municipality CODE] [--from YYYY-MM] [--to YYYY-MM]
                         [--granularity month|quarter|year] [--format csv|parquet]

`export` writes kpi_id, municipality_code, period, numerator, denominator, value to standard
output, one row per municipality and period with a figure (YYYY-MM, YYYY-Qn or YYYY; the KPI's own
granularity unless --granularity says otherwise). It crosses municipalities, so every value resting on fewer
persons than the KPI's disclosure threshold is left empty, and so is every value that together with the
totals shown could narrow one of those down (secondary suppression, docs/comparison-groups.md). --from and
--to widen to whole periods.
Exit codes: 0 done, 1 no warehouse, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from datetime import date
from pathlib import Path

from data_access.scope import command_line_scope
from data_access.settings import PUBLISHED_NAME
from data_access.warehouse import Warehouse, WarehouseMissing, current_warehouse

from .catalogue import GRANULARITIES, CatalogueError, load_catalogue
from .engine import KpiEngine, period_label
from .groups import load_groups

EXPORT_COLUMNS = ["kpi_id", "municipality_code", "period", "numerator", "denominator", "value"]
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


class Usage(Exception):
    """Wrong arguments; the message is Danish."""


def month(text: str) -> date:
    try:
        year, number = text.split("-")
        return date(int(year), int(number), 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke en måned på formen ÅÅÅÅ-MM") from None


def whole_periods(start: date | None, end: date | None, granularity: str) -> tuple[date | None, date | None]:
    """The first month of the period holding ``start`` and the last month of the one holding ``end``."""
    size = MONTHS_IN[granularity]
    if start is not None:
        start = date(start.year, (start.month - 1) // size * size + 1, 1)
    if end is not None:
        last = (end.month - 1) // size * size + size
        end = date(end.year, last, 1)
    return start, end


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m kpi", description=__doc__.strip().splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one KPI per line: id, name, unit, granularity, area")
    listing.add_argument("--warehouse", type=Path, help="folder with current.duckdb (default: the configured one)")
    export = commands.add_parser("export", help="a KPI's values for every municipality and period")
    export.add_argument("--kpi", required=True, help="the KPI's id, e.g. K-UBU-PLAC-1000")
    export.add_argument("--warehouse", type=Path, help="folder with current.duckdb (default: the configured one)")
    export.add_argument("--municipality", type=int, help="only this municipality code, e.g. 479")
    export.add_argument("--from", dest="start", type=month, help="first month, YYYY-MM")
    export.add_argument("--to", dest="end", type=month, help="last month, YYYY-MM")
    export.add_argument("--granularity", choices=GRANULARITIES, help="default: the KPI's own")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv")
    return root


def warehouse_at(folder: Path | None) -> Warehouse:
    return current_warehouse() if folder is None else Warehouse(folder / PUBLISHED_NAME)


def list_kpis(args, out) -> None:
    """The catalogue; with a warehouse at hand, each line ends with the months it covers."""
    catalogue = load_catalogue()
    engine = KpiEngine(catalogue, load_groups(), warehouse_at(args.warehouse))
    try:
        first, last = engine.months_covered(command_line_scope())
        covered = f"{period_label(first, 'month')}..{period_label(last, 'month')}"
    except WarehouseMissing:
        if args.warehouse is not None:
            raise
        covered = ""
    for kpi in catalogue.kpis.values():
        out.write("\t".join([kpi.id, kpi.name, kpi.unit, kpi.granularity, kpi.area, covered]).rstrip("\t") + "\n")


def export(args, out) -> None:
    engine = KpiEngine(load_catalogue(), load_groups(), warehouse_at(args.warehouse))
    kpi = engine.kpi(args.kpi)
    granularity = args.granularity or kpi.granularity
    if args.start and args.end and args.start > args.end:
        raise Usage("--from ligger efter --to")
    start, end = whole_periods(args.start, args.end, granularity)
    municipalities = None if args.municipality is None else [args.municipality]
    frame = engine.values(command_line_scope(), kpi.id, municipalities, start, end, granularity)
    if args.municipality is not None and frame.empty:
        raise Usage(f"kommunekoden {args.municipality} findes ikke i lageret")
    # Neither numerator nor denominator (a municipality outside the deliveries, or no one to count that
    # month): there is no figure, so no row rather than a row of zeros.
    frame = frame[~((frame["numerator"] == 0) & (frame["denominator"] == 0))].copy()
    frame["period"] = [period_label(p, granularity) for p in frame["period"]]
    frame = frame[EXPORT_COLUMNS]
    if args.format == "csv":
        frame.to_csv(out, index=False, lineterminator="\n")
        return
    if out.isatty():
        raise Usage("Parquet er binært: send det til en fil, fx > nøgletal.parquet")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    out.flush()
    out.buffer.write(buffer.getvalue())


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = parser().parse_args(argv)
    try:
        (list_kpis if args.command == "list" else export)(args, out)
    except (CatalogueError, Usage) as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 2
    except WarehouseMissing as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from failing again
    return 0


if __name__ == "__main__":
    sys.exit(main())
