"""Comparison groups (sammenligningskommuner): whom each municipality is measured against.

config/comparison_groups.yaml holds two sections: ``clusters``, the groups municipalities chose
themselves (FLIS' klynger), and ``groups``, each municipality's computed nearest neighbours
(kpi/similarity.py). A chosen cluster wins over the computed group. Rewrite the file after changing
the reference figures or the clusters with

    python -m kpi.groups            # writes config/comparison_groups.yaml, keeping its clusters
    python -m kpi.groups --check    # exit 1 if the file is not what the figures give
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

from data_access.settings import CONFIG_DIR

from . import similarity

GROUPS_FILE = CONFIG_DIR / "comparison_groups.yaml"
MUNICIPALITIES_FILE = CONFIG_DIR / "municipalities.csv"


class GroupKind(StrEnum):
    CLUSTER = "cluster"  # chosen by the municipality
    COMPUTED = "computed"  # nearest neighbours on the reference figures
    REGION = "region"  # neither configured: the other municipalities of the region

    @property
    def label(self) -> str:
        return {GroupKind.CLUSTER: "Valgt klynge", GroupKind.COMPUTED: "Beregnede sammenligningskommuner",
                GroupKind.REGION: "Kommunerne i samme region"}[self]


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    region_name: str


@dataclass(frozen=True)
class ComparisonGroups:
    computed: dict[int, tuple[int, ...]]
    municipalities: dict[int, Municipality]
    clusters: dict[int, tuple[int, ...]]

    def kind(self, code: int) -> GroupKind:
        if code in self.clusters:
            return GroupKind.CLUSTER
        return GroupKind.COMPUTED if code in self.computed else GroupKind.REGION

    def peers(self, code: int) -> tuple[int, ...]:
        """The chosen cluster, else the computed group, else the other municipalities of the region."""
        kind = self.kind(code)
        if kind is GroupKind.CLUSTER:
            return self.clusters[code]
        if kind is GroupKind.COMPUTED:
            return self.computed[code]
        return tuple(m for m in self.region_members(code) if m != code)

    def region_members(self, code: int) -> tuple[int, ...]:
        """Every municipality of ``code``'s region, itself included."""
        region = self.municipalities[code].region_code
        return tuple(m for m, info in self.municipalities.items() if info.region_code == region)

    def regions(self) -> dict[int, frozenset[int]]:
        """Region code → its municipalities."""
        result: dict[int, set[int]] = {}
        for code, info in self.municipalities.items():
            result.setdefault(info.region_code, set()).add(code)
        return {region: frozenset(members) for region, members in result.items()}

    def name(self, code: int) -> str:
        return self.municipalities[code].name

    def region_name(self, code: int) -> str:
        return self.municipalities[code].region_name


def read_municipalities(path: Path = MUNICIPALITIES_FILE) -> dict[int, Municipality]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {int(r["municipality_code"]): Municipality(int(r["municipality_code"]), r["name"], int(r["region_code"]),
                                                          r["region_name"]) for r in csv.DictReader(handle)}


def _section(path: Path, document: dict, key: str, municipalities: dict[int, Municipality]) -> dict[int, tuple]:
    result = {}
    for owner, members in (document.get(key) or {}).items():
        code = int(owner)
        unknown = [m for m in [code, *members] if m not in municipalities]
        if unknown:
            raise ValueError(f"{path}: ukendte kommunekoder {unknown} under {key}")
        if code in members:
            raise ValueError(f"{path}: kommune {code} står i sin egen gruppe under {key}")
        if not members or len(set(members)) != len(members):
            raise ValueError(f"{path}: gruppen for kommune {code} under {key} er tom eller nævner en kommune to gange")
        result[code] = tuple(int(m) for m in members)
    return result


@cache
def load_groups(path: Path = GROUPS_FILE) -> ComparisonGroups:
    return read_groups(path)


def read_groups(path: Path) -> ComparisonGroups:
    municipalities = read_municipalities()
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return ComparisonGroups(_section(path, document, "groups", municipalities), municipalities,
                            _section(path, document, "clusters", municipalities))


HEADER = """\
# Comparison groups (sammenligningskommuner). Written by `python -m kpi.groups`: edit the clusters
# or config/municipalities.csv, then run it again (tests check that this file is what it gives).
# Method and how to change it, for users and operators: docs/comparison-groups.md.
#
# clusters: groups chosen by the municipality itself (FLIS' klynger); kept as they are and used
#   instead of the computed group. The seven Funen municipalities outside Odense have chosen each
#   other: the demo data covers exactly these.
# groups: each municipality's 5-8 most similar municipalities, computed from the figures in
#   config/municipalities.csv. Each feature is standardised over the 98 municipalities and weighted:
{features}
#   The distance is the weighted Euclidean distance; the group is the five nearest plus the 6th-8th
#   nearest when within {near_tie:.0%} of the fifth's distance; equal distances go to the lower code.
#   A group need not be mutual: A may have B as a peer without B having A.
#
# A group's value is Σ numerator / Σ denominator over its members, never an average of their
# ratios; the municipality itself is not a member of its own group.
"""


def render(clusters: dict[int, tuple[int, ...]], computed: dict[int, tuple[int, ...]],
           municipalities: dict[int, Municipality]) -> str:
    features = "\n".join(f"#     {f.weight:.2f}  {f.column}: {f.label}" for f in similarity.FEATURES)
    lines = [HEADER.format(features=features, near_tie=similarity.NEAR_TIE - 1)]
    for key, section in (("clusters", clusters), ("groups", computed)):
        lines.append(f"{key}:" if section else f"{key}: {{}}")
        for code in sorted(section):
            members = section[code]
            names = ", ".join(municipalities[m].name for m in members)
            lines.append(f"  {code}: [{', '.join(map(str, members))}]  # {municipalities[code].name}: {names}")
    return "\n".join(lines) + "\n"


def expected_file(path: Path = GROUPS_FILE) -> str:
    """The file as the reference figures and the file's own clusters give it."""
    municipalities = read_municipalities()
    clusters = read_groups(path).clusters if path.exists() else {}
    return render(clusters, similarity.computed_groups(), municipalities)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpi.groups", description="Beregn sammenligningsgrupperne.")
    parser.add_argument("--check", action="store_true", help="kontrollér kun, at filen er opdateret")
    parser.add_argument("--file", type=Path, default=GROUPS_FILE, help=f"standard: {GROUPS_FILE}")
    args = parser.parse_args(argv)
    text = expected_file(args.file)
    if args.check:
        if args.file.read_text(encoding="utf-8") != text:
            print(f"{args.file} er ikke opdateret: kør python -m kpi.groups", file=sys.stderr)
            return 1
        return 0
    args.file.write_text(text, encoding="utf-8")
    print(f"Skrev {args.file}: {len(text.splitlines())} linjer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
