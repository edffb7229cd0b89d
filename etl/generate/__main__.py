"""Generate a realistic, vendor-shaped delivery of extract files.

    python -m etl.generate --profile demo --seed 1 --out data/inbox
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from locale_da import number

from .delivery import generate_delivery
from .profiles import PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.generate", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the extract files to")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="extraction date, YYYY-MM-01 (default: the profile's)")
    args = parser.parse_args(argv)
    if args.as_of is not None and args.as_of.day != 1:
        parser.error("--as-of must be the first day of a month")
    started = time.perf_counter()
    summary = generate_delivery(PROFILES[args.profile], args.seed, args.out, args.as_of)
    print(f"Genereret {summary['files']} filer med {number(summary['rows'])} rækker "
          f"({number(summary['grants'])} bevillinger, {number(summary['citizens'])} borgere) "
          f"i {args.out} på {number(time.perf_counter() - started, 1)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
