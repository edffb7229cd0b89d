"""Generate a realistic, vendor-shaped delivery of extract files.

    python -m etl.generate --profile demo --seed 1 --out data/inbox        a full delivery
    python -m etl.generate --profile demo --seed 1 --out data/inbox --next-night
                                                                           the next night's delta
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from locale_da import long_date, number

from .delivery import DeliveryError, generate_delivery, generate_next_night
from .profiles import DEFECT_PRESETS, PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.generate", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the extract files to")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="extraction date of a full delivery (default: the profile's)")
    parser.add_argument("--next-night", action="store_true",
                        help="write the delta for the night after the newest delivery in --out")
    parser.add_argument("--defects", choices=sorted(DEFECT_PRESETS), default="normal",
                        help="how often registrations go wrong (default: normal)")
    args = parser.parse_args(argv)
    if args.next_night and args.as_of:
        parser.error("--next-night takes its date from the newest delivery in --out; leave out --as-of")
    profile = PROFILES[args.profile].with_defects(args.defects)
    started = time.perf_counter()
    try:
        if args.next_night:
            summary = generate_next_night(profile, args.seed, args.out)
        else:
            summary = generate_delivery(profile, args.seed, args.out, args.as_of)
    except DeliveryError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    kind = "Natlig delta" if summary.kind == "delta" else "Fuld leverance"
    print(f"{kind} pr. {long_date(summary.extraction)}: {summary.files} filer med {number(summary.rows)} rækker "
          f"({number(summary.grants)} bevillinger, {number(summary.people)} personer) i {args.out} "
          f"på {number(time.perf_counter() - started, 1)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
