"""Progress on a terminal: one bar per source, redrawn in place; elsewhere (logs, cron) one line per file."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

from locale_da import number

BAR = 24


class Progress:
    def __init__(self, out: TextIO, totals: Counter):
        self.out = out
        self.totals = totals
        self.done: Counter = Counter()
        self.live = hasattr(out, "isatty") and out.isatty()
        self._current = None

    def file_done(self, title: str, file_name: str, status: str, rows: int, quarantined: int, message: str) -> None:
        self.done[title] += 1
        if not self.live:
            if status == "rejected":
                print(f"  AFVIST  {file_name}: {message}", file=self.out)
            else:
                extra = f", {number(quarantined)} i karantæne" if quarantined else ""
                note = f" ({message})" if message else ""
                print(f"  ok      {file_name}: {number(rows)} rækker{extra}{note}", file=self.out)
            return
        if self._current is not None and self._current != title:
            self.out.write("\n")
        self._current = title
        filled = round(BAR * self.done[title] / self.totals[title])
        bar = "#" * filled + "." * (BAR - filled)
        self.out.write(f"\r  {title:<42} [{bar}] {self.done[title]}/{self.totals[title]}")
        if status == "rejected":
            self.out.write(f"\n  AFVIST  {file_name}: {message}\n")
            self._current = None
        self.out.flush()

    def step(self, text: str) -> None:
        if self.live and self._current is not None:
            self.out.write("\n")
            self._current = None
        print(f"  {text}", file=self.out)
        if self.out is sys.stdout:
            self.out.flush()
