"""A report definition and a reader's scope become tables of figures, computed by the KPI engine.

Every figure comes from ``KpiEngine`` (benchmark, values) or ``kpi.decompose``, under the reader's own
scope: what a report shows is what that reader may see in the app, with the same disclosure control.
The tables keep numbers as numbers; the formats (PDF, Excel, CSV) only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from data_access.appstate import AppState
from data_access.meta import load_info
from data_access.scope import AccessDenied, UserScope
from kpi.catalogue import Kpi
from kpi.decompose import decompose
from kpi.engine import KpiEngine, period_label
from kpi.node import PathError

from . import charts
from .definition import ANALYSIS, KINDS, dimension_names, splits_by
from .periods import as_date, chosen_months, last_month, period_text, whole_periods

PERIOD_COLUMN = "Periode"


@dataclass
class ReportTable:
    title: str
    kpi: Kpi
    frame: pd.DataFrame  # Danish column names, numbers as numbers
    decimals: dict[str, int]
    long: pd.DataFrame  # period, series, value: what the chart draws
    series_title: str = ""
    periods: list[str] = field(default_factory=list)  # as kpi.engine.period_label writes them, for the notes
    notes: list[str] = field(default_factory=list)  # the KPI notes written on the periods shown

    def chart(self, kind: str):
        return charts.chart(self.long, kind, self.kpi.unit, self.kpi.decimals, self.series_title)


@dataclass
class RenderedReport:
    name: str
    kind: str
    description: str
    municipality_name: str
    period: str  # the periods covered, in words
    data_as_of: date
    chart: str
    tables: list[ReportTable]
    remarks: list[str] = field(default_factory=list)  # what could not be shown, and why

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def render(definition: dict, scope: UserScope, name: str, engine: KpiEngine | None = None,
           appstate: AppState | None = None) -> RenderedReport:
    """The report's tables for the reader ``scope``; ``definition`` must have passed definition.checked."""
    engine = engine or KpiEngine.default()
    filters = definition["filters"]
    first, last = engine.months_covered(scope)
    start, end = chosen_months(filters, first, last)
    own = scope.municipality_code
    municipality = own if definition["kind"] == ANALYSIS else (filters["municipality"] or own)
    if municipality not in engine.groups.municipalities:
        raise AccessDenied(f"Kommunekoden {municipality} findes ikke.")
    report = RenderedReport(name, definition["kind"], definition.get("description", ""),
                            engine.groups.name(municipality), "", load_info(engine.warehouse).data_as_of,
                            definition["chart"], [])
    granularity = filters["granularity"]
    # Whole months, quarters or years only, for both kinds: a part of a quarter beside whole ones misleads.
    periods = whole_periods(start, end, granularity, last, first)
    if definition["kind"] == ANALYSIS:
        _analysis(report, definition, engine, scope, periods, granularity, appstate)
    elif periods:
        _benchmark(report, definition, engine, scope, municipality, periods, granularity)
    if periods:
        report.period = _span(periods[0], periods[-1], granularity)
    else:
        report.remarks.append("Perioden rummer ingen hele perioder med data.")
    _attach_notes(report, scope, appstate)
    return report


def _span(first: date, last: date, granularity: str) -> str:
    if first == last:
        return period_text(first, granularity)
    return f"{period_text(first, granularity)} – {period_text(last, granularity)}"


def _benchmark(report: RenderedReport, definition: dict, engine: KpiEngine, scope: UserScope, municipality: int,
               periods: list[date], granularity: str) -> None:
    """Per KPI, the municipality beside its group and the country in each of ``periods`` (first months of whole
    months, quarters or years), each side combined over the period's months as ``KpiEngine.benchmark`` does."""
    through = last_month(periods[-1], granularity)
    for kpi_id in definition["kpis"]:
        kpi = engine.kpi(kpi_id)
        frame = engine.benchmark(scope, kpi_id, municipality, periods[0], through, granularity)
        peers, in_data = frame.attrs["peers"], frame.attrs["municipalities_in_data"]
        own = report.municipality_name
        labels = {"own": own, "group": f"Sammenligningskommuner ({len(peers)})",
                  "country": "Hele landet" if in_data >= 98 else f"Alle kommuner i datagrundlaget ({in_data})"}
        table = pd.DataFrame({
            PERIOD_COLUMN: [period_text(as_date(p), granularity) for p in frame["period"]],
            f"Tæller, {own}": frame["own_numerator"], f"Nævner, {own}": frame["own_denominator"],
            **{labels[s]: frame[f"{s}_value"] for s in labels},
        })
        long = table.melt(id_vars=PERIOD_COLUMN, value_vars=list(labels.values()), var_name="series",
                          value_name="value").rename(columns={PERIOD_COLUMN: "period"})
        decimals = {f"Tæller, {own}": _side_decimals(table[f"Tæller, {own}"]),
                    f"Nævner, {own}": _side_decimals(table[f"Nævner, {own}"]),
                    **dict.fromkeys(labels.values(), kpi.decimals)}
        report.tables.append(ReportTable(f"{kpi.name} ({kpi.unit})", kpi, table, decimals, long,
                                         periods=[period_label(as_date(p), granularity) for p in frame["period"]]))


def _analysis(report: RenderedReport, definition: dict, engine: KpiEngine, scope: UserScope, periods: list[date],
              granularity: str, appstate: AppState | None) -> None:
    names = dimension_names(engine.catalogue)
    for kpi_id in definition["kpis"]:
        kpi = engine.kpi(kpi_id)
        if not definition["dimensions"]:
            report.tables.append(_own_values(engine, scope, kpi, periods, granularity))
            continue
        for dimension in definition["dimensions"]:
            if not splits_by(engine.catalogue, kpi_id, dimension):
                report.remarks.append(f"{kpi.name} kan ikke opdeles efter {names[dimension].lower()}.")
                continue
            try:
                table = _split(engine, scope, kpi, dimension, names[dimension], periods, granularity, appstate)
            except (PathError, AccessDenied) as error:
                report.remarks.append(f"{kpi.name} efter {names[dimension].lower()}: {error}")
                continue
            report.tables.append(table)


def _split(engine: KpiEngine, scope: UserScope, kpi: Kpi, dimension: str, label: str, periods: list[date],
           granularity: str, appstate: AppState | None) -> ReportTable:
    rows = []
    for period in periods:
        split = decompose(engine, scope, kpi.id, scope.municipality_code, period, granularity, by=dimension,
                          appstate=appstate)
        for child in split.children.itertuples():
            rows.append({PERIOD_COLUMN: period_text(period, granularity), label: child.label,
                         "Tæller": child.numerator, "Nævner": child.denominator, "Værdi": child.value,
                         "Andel af tælleren": child.share_of_parent})
    frame = pd.DataFrame(rows, columns=[PERIOD_COLUMN, label, "Tæller", "Nævner", "Værdi", "Andel af tælleren"])
    decimals = {"Tæller": _side_decimals(frame["Tæller"]), "Nævner": _side_decimals(frame["Nævner"]),
                "Værdi": kpi.decimals, "Andel af tælleren": 3}
    long = frame.rename(columns={PERIOD_COLUMN: "period", label: "series", "Værdi": "value"})
    return ReportTable(f"{kpi.name} ({kpi.unit}) efter {label.lower()}", kpi, frame, decimals,
                        long[["period", "series", "value"]], series_title=label,
                        periods=[period_label(p, granularity) for p in periods])


def _own_values(engine: KpiEngine, scope: UserScope, kpi: Kpi, periods: list[date], granularity: str) -> ReportTable:
    if periods:
        through = last_month(periods[-1], granularity)
        values = engine.values(scope, kpi.id, [scope.municipality_code], periods[0], through, granularity)
    else:
        values = pd.DataFrame(columns=["period", "numerator", "denominator", "value"])
    frame = pd.DataFrame({PERIOD_COLUMN: [period_text(as_date(p), granularity) for p in values["period"]],
                          "Tæller": values["numerator"], "Nævner": values["denominator"], "Værdi": values["value"]})
    long = pd.DataFrame({"period": frame[PERIOD_COLUMN], "series": engine.groups.name(scope.municipality_code),
                         "value": frame["Værdi"]})
    return ReportTable(f"{kpi.name} ({kpi.unit})", kpi, frame,
                       {"Tæller": _side_decimals(frame["Tæller"]), "Nævner": _side_decimals(frame["Nævner"]),
                        "Værdi": kpi.decimals}, long,
                       periods=[period_label(as_date(p), granularity) for p in values["period"]])


def _side_decimals(column: pd.Series) -> int:
    """Whole numbers as such; averages of monthly counts (a quarter's stock) with two decimals."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    return 0 if values.empty or (values.round() == values).all() else 2


def _attach_notes(report: RenderedReport, scope: UserScope, appstate: AppState | None) -> None:
    """The notes written on the figures shown (F-BENCH-NOTES), where the notes module is installed."""
    try:
        from data_access import notes
    except ImportError:
        return
    for table in report.tables:
        try:
            found = notes.notes(scope, [table.kpi.id], table.periods, appstate=appstate)
        except AccessDenied:
            return
        table.notes = [f"{row.period}: {row.text} ({row.author_name})" for row in found.itertuples()]
