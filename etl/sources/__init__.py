"""Every source the ETL accepts: its file contract and how its rows map into the common model."""

from __future__ import annotations

from dataclasses import dataclass

from etl.contracts import Contract

from . import as2007, assessments, cpr, dst, dubu, kmd, opus, prisme


@dataclass(frozen=True)
class Source:
    contract: Contract
    stage_table: str  # the common staging table its rows go into
    conform_sql: str  # SELECT over typed_<source> producing stage_table's columns


SOURCES: tuple[Source, ...] = tuple(
    Source(contract, stage_table, sql) for module in (kmd, dubu, as2007, prisme, opus, cpr, dst, assessments)
    for contract, stage_table, sql in module.SOURCES
)


def source_for(file_name: str) -> tuple[Source, dict[str, str]] | None:
    """The source whose file pattern matches, with the pattern's groups (date, municipality)."""
    for source in SOURCES:
        match = source.contract.pattern.match(file_name)
        if match:
            return source, match.groupdict()
    return None
