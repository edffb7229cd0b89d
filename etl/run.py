"""Load a folder of deliveries into a new warehouse and publish it atomically.

    python -m etl.run --inbox data/inbox --warehouse data/warehouse

Exit codes: 0 published, 1 failed (the last good warehouse stays published), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from data_access.appstate import AppState
from data_access.settings import load_settings
from locale_da import number

from .pipeline import RunFailed, run_etl, summary
from .publish import EtlBusy


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m etl.run", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--inbox", type=Path, default=settings.data_dir / "inbox")
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_dir,
                        help="folder holding the published warehouse (current.duckdb)")
    parser.add_argument("--appstate-url", default=settings.appstate_url,
                        help="SQLAlchemy URL of the application-state store, where runs are logged")
    parser.add_argument("--full", action="store_true",
                        help="build from scratch out of every file in the inbox, instead of adding the new ones")
    args = parser.parse_args(argv)

    print(f"Dataindlæsning fra {args.inbox} til {args.warehouse}")
    try:
        result = run_etl(args.inbox, args.warehouse, AppState(args.appstate_url), full=args.full)
    except (RunFailed, EtlBusy) as error:
        cause = error.__cause__
        if cause is not None and not isinstance(cause, RunFailed):
            traceback.print_exception(cause)  # an unexpected error: the operator needs the whole story
        print(f"FEJL: dataindlæsningen blev ikke gennemført: {error}", file=sys.stderr)
        print("Det senest publicerede datagrundlag er uændret.", file=sys.stderr)
        return 1
    if result.unchanged:
        print(f"{summary(result)} ({number(result.seconds, 1)} s)")
    else:
        print(f"Publiceret {result.published.name}: {summary(result)}; {number(result.seconds, 1)} s")
        stages = ", ".join(f"{stage} {number(seconds, 1)} s" for stage, seconds in result.timings.items())
        print(f"Tid pr. trin: {stages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
