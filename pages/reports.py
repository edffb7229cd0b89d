"""Rapporter: standard, own and shared reports; open, build, copy, save, delete, download; templates and extracts.

F-REP-*, F-KOM-TEMPLATES, F-DATA-RAWEXTRACT and F-DATA-KPIEXTRACT. The opened report is kept in the
URL (``rapport``), so a link opens it, as the link in a subscription mail does.
"""

import streamlit as st

from data_access import reports as saved
from data_access.extracts import DATASETS
from data_access.scope import AccessDenied, Role
from kpi.catalogue import GRANULARITIES
from locale_da import local_time, long_date, month_label
from reports.definition import (
    ANALYSIS,
    BENCHMARK,
    CHARTS,
    GRANULARITY_LABELS,
    KINDS,
    MAX_MONTHS,
    DefinitionError,
    checked,
    dimension_names,
)
from reports.extracts import EXTRACT_FORMATS, kpi_file, raw_file
from reports.formats import FORMATS, MIME, file_name, slug
from reports.library import AREAS, all_reports, saved_ref
from reports.templates import TEMPLATE_FORMATS, TemplateError, export_template, import_template
from ui import data
from ui import reports as cached
from ui.guard import page_scope
from ui.tables import show_table

PARAM_REPORT = "rapport"  # the opened report's reference in the URL, e.g. ?rapport=saved:12
CHOICE = "report_choice"
SOURCE_LABELS = {"standard": "Standard", "own": "Egen", "shared": "Delt"}
LATEST_MONTHS, FIXED_PERIOD = "latest", "fixed"
PERIOD_CHOICES = {LATEST_MONTHS: "De seneste måneder", FIXED_PERIOD: "Fast periode"}

scope = page_scope(Role.LEADER)
catalogue = data.engine().catalogue
st.title("Rapporter")

entries = {entry.ref: entry for entry in all_reports(scope)}
# The URL holds the reference itself, not the label (which says "own" or "shared" depending on the reader),
# so a link in a subscription mail opens the same report for whoever follows it.
from_link = st.query_params.get(PARAM_REPORT)
if from_link in entries and from_link != st.session_state.get("report_in_url"):
    st.session_state[CHOICE] = from_link
if "pending_report" in st.session_state:  # opened after an import: set before the selectbox is drawn
    st.session_state[CHOICE] = st.session_state.pop("pending_report")
if "report_message" in st.session_state:
    st.success(st.session_state.pop("report_message"))
if st.session_state.get(CHOICE) not in entries:
    st.session_state.pop(CHOICE, None)


def label(ref: str) -> str:
    entry = entries[ref]
    where = AREAS.get(entry.area, "") if entry.source == "standard" else entry.owner
    return f"{SOURCE_LABELS[entry.source]} · {entry.name}" + (f" ({where})" if where else "")


ref = st.selectbox("Rapport", list(entries), format_func=label, key=CHOICE,
                   help="Standardrapporter for hvert område, dine egne og dem, kolleger har delt med kommunens ledere.")
st.query_params[PARAM_REPORT] = st.session_state["report_in_url"] = ref
entry = entries[ref]
view, build, templates, extracts = st.tabs(["Vis rapporten", "Byg eller ret", "Skabeloner", "Udtræk"])

# --- the report itself ---------------------------------------------------------------------------------
with view:
    report = cached.rendered(scope, entry.definition, entry.name)
    st.subheader(report.name)
    st.caption(f"{report.kind_label} · {report.municipality_name} Kommune · {report.period} · "
               f"data pr. {long_date(report.data_as_of)}")
    if report.description:
        st.write(report.description)
    for remark in report.remarks:
        st.info(remark)
    columns = st.columns(len(FORMATS) + 2)
    for column, (extension, format_label) in zip(columns, FORMATS.items(), strict=False):
        column.download_button(
            f"Hent som {format_label}", data=lambda f=extension: cached.report_file(scope, entry.definition,
                                                                                  entry.name, f),
            file_name=file_name(report, extension), mime=MIME[extension], icon=":material/download:",
            key=f"report_{extension}", on_click="ignore")
    for index, table in enumerate(report.tables):
        st.markdown(f"#### {table.title}")
        figure = table.chart(report.chart)
        if figure is not None:
            st.altair_chart(figure, width="stretch")
        show_table(table.frame, table.decimals, key=f"report_table_{index}",
                   file_name=f"{table.kpi.id}-{scope.municipality_code}.csv",
                   height=min(400, 38 + 35 * len(table.frame)))
        for note in table.notes:
            st.caption(f":material/sticky_note_2: {note}")

# --- build: from scratch or from the opened report ---------------------------------------------------
def draft(suffix: str) -> dict:
    """The definition the build form holds, read from the widgets' state (also inside a button's callback)."""
    state = st.session_state
    kind = state.get(f"kind_{suffix}", BENCHMARK)
    fixed = state.get(f"period_choice_{suffix}") == FIXED_PERIOD
    return {"schema_version": entry.definition["schema_version"], "kind": kind,
            "kpis": state.get(f"kpis_{suffix}", []),
            "dimensions": state.get(f"dims_{suffix}", []) if kind == ANALYSIS else [],
            "chart": state.get(f"chart_{suffix}", "line"), "description": state.get(f"description_{suffix}", ""),
            "filters": {"municipality": state.get(f"municipality_{suffix}") if kind == BENCHMARK else None,
                        "last_months": None if fixed else int(state.get(f"months_{suffix}", 12)),
                        "period_from": month_text(state.get(f"span_{suffix}", (None, None))[0]) if fixed else None,
                        "period_to": month_text(state.get(f"span_{suffix}", (None, None))[1]) if fixed else None,
                        "granularity": state.get(f"granularity_{suffix}", "month")}}


def month_text(day) -> str | None:
    return None if day is None else f"{day:%Y-%m}"


def store(suffix: str, as_new: bool) -> None:
    """Save the form as a new report or a new version of the opened one, and open the result."""
    state = st.session_state
    name, visibility = state.get(f"name_{suffix}", ""), state.get(f"visibility_{suffix}", saved.PRIVATE)
    try:
        valid = checked(draft(suffix), catalogue)
        if as_new:
            state[CHOICE] = saved_ref(saved.create_report(scope, name, valid, visibility))
            state["report_message"] = f"Rapporten »{name.strip()}« er gemt."
        else:
            version = saved.save_report(scope, entry.saved_id, valid, name=name, visibility=visibility)
            state["report_message"] = f"Ændringerne er gemt som version {version}."
    except DefinitionError as error:
        state["report_problems"] = error.problems
    except (saved.ReportError, AccessDenied) as error:
        state["report_problems"] = [str(error)]


def remove() -> None:
    saved.delete_report(scope, entry.saved_id)
    st.session_state.pop(CHOICE, None)
    st.session_state["report_message"] = f"Rapporten »{entry.name}« er slettet."


with build:
    definition = entry.definition
    filters = definition["filters"]
    owned = entry.source == "own"
    st.caption("Felterne er udfyldt med den åbne rapport. Gem som en ny rapport, eller gem ændringerne i din egen.")
    kpis = {k.id: k for k in catalogue.kpis.values()}
    dimensions = dimension_names(catalogue)
    suffix = ref.replace(":", "_")
    st.text_input("Navn", value=entry.name if owned else f"{entry.name} (kopi)", key=f"name_{suffix}")
    kind = st.radio("Type", list(KINDS), format_func=KINDS.get, index=list(KINDS).index(definition["kind"]),
                    horizontal=True, key=f"kind_{suffix}")
    st.multiselect("Nøgletal", list(kpis), default=definition["kpis"], key=f"kpis_{suffix}",
                   format_func=lambda k: f"{kpis[k].name} ({k})")
    if kind == ANALYSIS:
        st.multiselect("Opdel efter", list(dimensions), default=definition["dimensions"], format_func=dimensions.get,
                       key=f"dims_{suffix}")
    left, middle, right = st.columns(3)
    if kind == BENCHMARK:
        codes = [None, *sorted((m for m in data.all_municipalities() if m != scope.municipality_code),
                               key=data.municipality_name)]
        left.selectbox("Kommune", codes,
                       index=codes.index(filters["municipality"]) if filters["municipality"] in codes else 0,
                       format_func=lambda m: "Læserens egen kommune" if m is None else data.municipality_name(m),
                       key=f"municipality_{suffix}")
    period_choice = middle.radio("Periodevalg", list(PERIOD_CHOICES), format_func=PERIOD_CHOICES.get,
                                 index=0 if filters["last_months"] else 1, key=f"period_choice_{suffix}",
                                 help="De seneste måneder følger med, når der kommer nye data, en fast periode ikke.")
    if period_choice == LATEST_MONTHS:
        middle.number_input("Antal måneder tilbage", 1, MAX_MONTHS, value=filters["last_months"] or 12,
                            key=f"months_{suffix}", help="Regnet fra den seneste måned med data.")
    else:
        covered = data.months(scope)
        chosen = [m for m in covered if (not filters["period_from"] or f"{m:%Y-%m}" >= filters["period_from"])
                  and (not filters["period_to"] or f"{m:%Y-%m}" <= filters["period_to"])] or covered
        middle.select_slider("Fra og til", covered, value=(chosen[0], chosen[-1]), format_func=month_label,
                             key=f"span_{suffix}")
    right.selectbox("Periodelængde", GRANULARITIES, format_func=GRANULARITY_LABELS.get, key=f"granularity_{suffix}",
                    index=GRANULARITIES.index(filters["granularity"]),
                    help="Kun hele kvartaler og år vises: et kvartal, hvis sidste måned mangler data, udelades.")
    left.selectbox("Diagram", list(CHARTS), format_func=CHARTS.get, index=list(CHARTS).index(definition["chart"]),
                   key=f"chart_{suffix}")
    middle.selectbox("Synlighed", list(saved.VISIBILITIES), format_func=saved.VISIBILITIES.get,
                     index=list(saved.VISIBILITIES).index(entry.visibility or saved.PRIVATE),
                     key=f"visibility_{suffix}")
    st.text_area("Beskrivelse", value=definition.get("description", ""), key=f"description_{suffix}")
    problems = st.session_state.pop("report_problems", None)
    if problems:
        st.error("Rapporten kan ikke gemmes:\n\n" + "\n".join(f"- {p}" for p in problems))
    save_new, save_changes, delete = st.columns(3)
    save_new.button("Gem som ny rapport", icon=":material/add:", type="primary", on_click=store,
                    args=(suffix, True))
    if owned:
        save_changes.button("Gem ændringer", icon=":material/save:", on_click=store, args=(suffix, False))
        delete.button("Slet rapporten", icon=":material/delete:", on_click=remove)
        history = saved.versions(scope, entry.saved_id)
        st.caption(f"Version {entry.version}. Tidligere versioner gemmes, når du gemmer ændringer: "
                   + "; ".join(f"version {v} gemt {local_time(at):%d.%m.%Y kl. %H:%M} af {by}"
                               for v, at, by in history))

# --- templates ---------------------------------------------------------------------------------------
with templates:
    st.caption("En skabelon er rapportens opbygning uden tal og personoplysninger. Den kan deles med andre "
               "kommuner, der bruger Overblik, og indlæses her.")
    for column, (extension, mime) in zip(st.columns(len(TEMPLATE_FORMATS) + 2), TEMPLATE_FORMATS.items(),
                                         strict=False):
        column.download_button(f"Eksportér som {extension.upper()}",
                               data=export_template(entry.name, entry.definition, extension),
                               file_name=f"{slug(entry.name)}.{extension}", mime=mime,
                               icon=":material/file_export:", key=f"template_{extension}", on_click="ignore")
    upload = st.file_uploader("Importér en skabelon (YAML eller JSON)", type=["yaml", "yml", "json"],
                              key="template_upload")
    if upload is not None and st.button("Importér som ny rapport", icon=":material/file_open:"):
        try:
            new_id = import_template(scope, upload.getvalue())
        except TemplateError as error:
            st.error("Skabelonen kan ikke indlæses:\n\n" + "\n".join(f"- {p}" for p in error.problems))
        else:
            st.session_state["pending_report"] = saved_ref(new_id)
            st.rerun()

# --- extracts ------------------------------------------------------------------------------------------
with extracts:
    st.caption("Udtræk logges. Rækker på personniveau er kun din egen kommunes, med pseudonymiserede borgere; "
               "nøgletal for alle kommuner har de samme skjulte værdier som i resten af Overblik.")
    left, right = st.columns(2)
    with left:
        st.markdown("**Rækker på personniveau**")
        dataset = st.selectbox("Udtræk", list(DATASETS), format_func=lambda d: DATASETS[d].label, key="raw_dataset")
        raw_format = st.radio("Format", list(EXTRACT_FORMATS), format_func=EXTRACT_FORMATS.get, horizontal=True,
                              key="raw_format")
        st.download_button("Hent rækkerne", data=lambda: raw_file(scope, dataset, raw_format),
                           file_name=f"{dataset}-{scope.municipality_code}.{raw_format}",
                           icon=":material/download:", key="raw_download", on_click="ignore")
    with right:
        st.markdown("**Nøgletal for alle kommuner**")
        extract_kpis = st.multiselect("Nøgletal", list(kpis),
                                      default=entry.definition["kpis"], format_func=lambda k: kpis[k].name,
                                      key=f"extract_kpis_{ref}")
        kpi_format = st.radio("Format", list(EXTRACT_FORMATS), format_func=EXTRACT_FORMATS.get, horizontal=True,
                              key="kpi_format")
        st.download_button("Hent nøgletallene", data=lambda: kpi_file(scope, extract_kpis, kpi_format,
                                                                       engine=data.engine()),
                           file_name=f"noegletal.{kpi_format}", icon=":material/download:", key="kpi_download",
                           disabled=not extract_kpis, on_click="ignore")

