"""The notification extracts of the three case systems, each in its own shape and codes."""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .notifications import Notification, assessed_by

KMD_NOTIFIER = {"SKOLE": "Skole", "DAGTILBUD": "Dagtilbud", "SUNDHED": "Sundhedsvæsen", "POLITI": "Politi",
                "BORGER": "Borger/anonym", "ANDET": "Andet"}
DUBU_NOTIFIER = {"SKOLE": "SKOLE", "DAGTILBUD": "DAGTILBUD", "SUNDHED": "SUNDHEDSPERSON", "POLITI": "POLITI",
                 "BORGER": "PRIVATPERSON_ANONYM", "ANDET": "ANDEN"}
AS2007_NOTIFIER = {"SKOLE": "10", "DAGTILBUD": "20", "SUNDHED": "30", "POLITI": "40", "BORGER": "50", "ANDET": "90"}
AS2007_NOTIFIER_TEXT = {"10": "Skole", "20": "Dagtilbud", "30": "Sundhedsvæsen", "40": "Politi",
                        "50": "Borger (evt. anonym)", "90": "Anden"}


def write(system: str, folder: Path, code: int, stamp: str, notes: list[Notification], extraction: date,
          seed: int) -> int:
    if system == "KMD":
        return _kmd(folder / f"KMD_BV_UNDERRETNINGER_{code:04d}_{stamp}.csv", code, notes, extraction)
    if system == "DUBU":
        return _dubu(folder / f"DUBU_UNDERRETNINGER_{code:04d}_{stamp}.jsonl", code, notes, extraction, seed)
    return _as2007(folder / f"AS2007_UNDERRETNINGER_{code:04d}_{stamp}.xml", code, notes, extraction)


def _kmd(path: Path, code: int, notes: list[Notification], extraction: date) -> int:
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("Kommunenr", "Underretningsnr", "CPR-nr", "Modtaget", "Underretter", "Akut", "Vurderet"))
        for note in notes:
            assessed = assessed_by(note, extraction)
            writer.writerow((f"{code:04d}", f"U{note.number:07d}", f"{note.cpr[:6]}-{note.cpr[6:]}",
                             note.received.strftime("%d-%m-%Y"), KMD_NOTIFIER[note.notifier],
                             "Ja" if note.urgent else "Nej", assessed.strftime("%d-%m-%Y") if assessed else ""))
    return len(notes)


def _dubu(path: Path, code: int, notes: list[Notification], extraction: date, seed: int) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for note in notes:
            assessed = assessed_by(note, extraction)
            identifier = uuid.UUID(int=random.Random(f"{seed}:{code}:notification:{note.number}").getrandbits(128),
                                   version=4)
            handle.write(json.dumps({
                "kommunekode": f"{code:04d}", "underretningsid": str(identifier), "barn": {"cpr": note.cpr},
                "modtaget": note.received.isoformat(timespec="seconds"),
                "underretter": {"type": DUBU_NOTIFIER[note.notifier]}, "akut": note.urgent,
                "vurdering": {"tidspunkt": assessed.isoformat(timespec="seconds")} if assessed else None,
            }, ensure_ascii=False) + "\n")
    return len(notes)


def _as2007(path: Path, code: int, notes: list[Notification], extraction: date) -> int:
    lines = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
             f'<AS2007Udtraek kommunenummer="{code:04d}" udtraeksdato="{extraction.isoformat()}">']
    for note in notes:
        assessed = assessed_by(note, extraction)
        notifier = AS2007_NOTIFIER[note.notifier]
        lines.append(f'  <Underretning id="UND-{code}-{note.number}">')
        lines.append(f"    <Handlekommune>{code:04d}</Handlekommune>")
        lines.append(f'    <Borger cpr="{note.cpr}"/>')
        lines.append(f'    <Modtaget dato="{note.received.date().isoformat()}"/>')
        lines.append(f'    <Underretter kode="{notifier}" tekst={quoteattr(AS2007_NOTIFIER_TEXT[notifier])}/>')
        lines.append(f"    <Akut>{'J' if note.urgent else 'N'}</Akut>")
        if assessed:
            lines.append(f'    <Vurdering dato="{assessed.date().isoformat()}"/>')
        lines.append("  </Underretning>")
    lines.append("</AS2007Udtraek>")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1", errors="xmlcharrefreplace"))
    return len(notes)
