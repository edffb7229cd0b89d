"""Analyse af nøgletal: one KPI over time beside its comparison group and the country, its rank among all
municipalities and on a map, the decomposition tree, the rows behind a figure, and the notes on it
(F-BENCH-PEERS/TIME/CLUSTER, F-ANA-NUMDEN/TIME/DIMS/TREE/DRILL, F-BENCH-NOTES)."""

import pandas as pd
import streamlit as st

from data_access.notes import NoteError
from data_access.scope import AccessDenied, Role
from kpi.engine import period_label
from kpi.node import MONTH, NUMERATOR_DENOMINATOR, PERIOD, PathError, parse_period
from kpi.ranking import order_text
from locale_da import month_label, month_name, number
from ui import analysis, data, filters
from ui.charts import noted_benchmark_chart
from ui.guard import page_scope
from ui.map import kpi_map, legend_text
from ui.tables import in_local_time, show_table

PARAM_KPI = "noegletal"
GRANULARITY_WORDS = {"month": "måned", "quarter": "kvartal", "year": "år"}


def period_text(period, granularity: str) -> str:
    if granularity == "month":
        return month_name(period)
    label = period_label(period, granularity)
    return f"{label[-1]}. kvartal {period.year}" if granularity == "quarter" else label


def values_table() -> None:
    """The figures behind the chart, by the period length chosen above it, newest first."""
    if timeline.empty:
        st.info(no_whole_periods)
        return
    word = GRANULARITY_WORDS[timeline_granularity].capitalize()
    columns = {"period": word, "own_numerator": f"Tæller, {name}", "own_denominator": f"Nævner, {name}",
               "own_value": name, "group_value": labels["group"], "country_value": labels["country"]}
    table = timeline.rename(columns=columns)[list(columns.values())]
    table[word] = [period_text(p, timeline_granularity) for p in table[word]]
    show_table(table.iloc[::-1], {columns["own_numerator"]: analysis.amount_decimals(timeline["own_numerator"]),
                                  columns["own_denominator"]: analysis.amount_decimals(timeline["own_denominator"]),
                                  name: kpi.decimals,
                                  labels["group"]: kpi.decimals, labels["country"]: kpi.decimals},
               key="values_table", file_name=f"{kpi.id}-{chosen.municipality_code}-{timeline_granularity}.csv",
               height=300)


def ranking_section() -> None:
    ranked = analysis.ranking(scope, kpi.id, period, granularity, chosen.municipality_code)
    place = analysis.position(scope, kpi.id, period, granularity, chosen.municipality_code)
    st.caption(f"{period_text(period, granularity).capitalize()}. {order_text(kpi)} Kun tal, der må vises, får en "
               "plads; skjulte tal rykker ikke andre kommuner.")
    if not place.empty and not pd.isna(place.iloc[0]["rank"]):
        row = place.iloc[0]
        left, right = st.columns(2)
        left.metric("Placering blandt alle kommuner", f"{row['rank']} af {row['ranked']}")
        right.metric("Placering i sammenligningsgruppen", row["group_text"])
    group = {chosen.municipality_code, *peers}
    left, right = st.columns([3, 2])
    with left:
        st.pydeck_chart(kpi_map(kpi, ranked, analysis.map_points(scope), chosen.municipality_code, set(peers)),
                        height=560)
        shown = ranked["value"].dropna()
        if not shown.empty:
            st.caption(legend_text(kpi, shown.min(), shown.max()))
    with right:
        table = pd.DataFrame({
            "Nr.": ranked["rank"], "Kommune": ranked["name"], "Værdi": ranked["value"],
            "Tæller": ranked["numerator"], "Nævner": ranked["denominator"],
            "Sammenligningsgruppe": ["Egen kommune" if c == chosen.municipality_code else "Ja" if c in group else ""
                                     for c in ranked["municipality_code"]],
            "Bemærkning": ["Skjult: for få personer" if s else "" for s in ranked["suppressed"]],
        }).sort_values(["Nr.", "Kommune"], na_position="last")
        show_table(table, {"Værdi": kpi.decimals, "Tæller": analysis.amount_decimals(table["Tæller"]),
                           "Nævner": analysis.amount_decimals(table["Nævner"])}, key="ranking_table",
                   file_name=f"{kpi.id}-rangering-{period_label(period, granularity)}.csv", height=520)


def step(by: str, key) -> tuple[str, str | None]:
    """The path step that chooses one child of a split ``by``."""
    if by == NUMERATOR_DENOMINATOR:
        return ("side", key)
    if by in (PERIOD, MONTH):
        return ("period", key)
    return (by, key)


def figures_text(figures: dict, prefix: str = "") -> str:
    numerator, denominator = figures.get(f"{prefix}numerator"), figures.get(f"{prefix}denominator")
    text = f"tæller {analysis.amount_text(numerator)}"
    if denominator is not None and not pd.isna(denominator):
        text += f", nævner {analysis.amount_text(denominator)}"
    return text + f", værdi {number(figures.get(f'{prefix}value'), kpi.decimals)}"


def decomposition_section() -> tuple:
    """The tree, level by level; returns the path to the node clicked last and its name."""
    st.caption(f"{name}, {period_text(period, granularity)}. Vælg, hvad tallet skal opdeles efter, og klik på et "
               "led for at opdele det videre. Hvert led viser tæller, nævner og værdi; sammenligningskommunernes "
               "værdi står ved siden af, hvor gruppen kan opdeles på samme måde.")
    path: tuple = ()
    trail = [f"{name}, {period_label(period, granularity)}"]
    prefix = f"tree|{kpi.id}|{chosen.municipality_code}|{period}|{granularity}|"
    for level in range(1, 8):
        options = dict(analysis.split_options(scope, kpi.id, chosen.municipality_code, period, granularity, path))
        if not options:
            st.caption("Leddet kan ikke opdeles yderligere.")
            break
        by = st.selectbox(f"Niveau {level}: opdel «{trail[-1]}» efter", [None, *options], key=f"{prefix}{path}|by",
                          format_func=lambda o, options=options: "Vælg en opdeling" if o is None else options[o])
        if by is None:
            break
        try:
            result = analysis.decomposition(scope, kpi.id, chosen.municipality_code, period, granularity, path, by)
        except PathError as error:
            st.info(str(error))
            break
        st.markdown(f"**{trail[-1]}**: {figures_text(result.parent)}"
                    + (f"; sammenligningskommunerne: {figures_text(result.parent, 'group_')}"
                       if "group_value" in result.parent else ""))
        for remark in result.notes:
            st.caption(remark)
        children = result.children.reset_index(drop=True)
        table = pd.DataFrame({result.by_label: children["label"], "Tæller": children["numerator"],
                              "Nævner": children["denominator"], "Værdi": children["value"],
                              "Andel af tælleren": children["share_of_parent"] * 100})
        if "group_value" in children:
            table["Sammenligningskommunerne"] = children["group_value"]
        if children["suppressed"].any():
            table["Bemærkning"] = ["Skjult: for få personer" if s else "" for s in children["suppressed"]]
        show_table(table, {"Tæller": analysis.amount_decimals(table["Tæller"]),
                           "Nævner": analysis.amount_decimals(table["Nævner"]), "Værdi": kpi.decimals,
                           "Andel af tælleren": 1,
                           "Sammenligningskommunerne": kpi.decimals}, key=f"{prefix}{path}|table",
                   file_name=f"{kpi.id}-opdeling-niveau-{level}.csv")
        clicked = st.pills(f"Klik på et led for at opdele det videre ({result.by_label.lower()})",
                           list(range(len(children))), format_func=lambda i, c=children: str(c.loc[i, "label"]),
                           key=f"{prefix}{path}|{result.by}|node")
        if clicked is None:
            break
        key = children.loc[clicked, "key"]
        path = (*path, step(result.by, None if pd.isna(key) else key))
        trail.append(f"{trail[-1]} › {children.loc[clicked, 'label']}")
    return path, trail[-1]


def trace_section(path: tuple, node_name: str) -> None:
    if not chosen.is_own:
        st.info("Rækkerne bag tallene kan kun ses for din egen kommune.")
        return
    st.caption(f"Rækkerne bag «{node_name}»: hver række fra kildesystemerne, der tæller med i tallet, med kildefil, "
               "linje og dataindlæsning. Opslaget skrives i revisionsloggen.")
    wanted = (kpi.id, chosen.municipality_code, period, granularity, path)
    fetched = st.session_state.setdefault("traces", {})
    if st.button("Vis rækkerne bag tallet", icon=":material/table_rows:", key=f"trace|{wanted}"):
        try:
            fetched[wanted] = analysis.traced(scope, kpi.id, chosen.municipality_code, period, granularity, path)
        except (AccessDenied, LookupError, PathError) as error:
            st.info(str(error))
    result = fetched.get(wanted)
    if result is None:
        return
    for role, side in result.sides.items():
        agreement = "stemmer" if side.matches else "stemmer ikke"
        st.markdown(f"**{side.label}** ({'tæller' if role == 'numerator' else 'nævner'}): "
                    f"{analysis.amount_text(side.figure)}; rækkerne summerer til {analysis.amount_text(side.traced)}, "
                    f"som {agreement}.")
        if side.note:
            st.caption(side.note)
        rows = side.rows.copy()
        if "etl_run_finished_at" in rows:
            rows["etl_run_finished_at"] = in_local_time(rows["etl_run_finished_at"])
        rows["month"] = pd.to_datetime(rows["month"])
        rows = rows.rename(columns={"month": "Måned", "weight": "Vægt", "amount": "Bidrag i måneden",
                                    "contribution": "Bidrag til tallet", "source_file": "Kildefil",
                                    "source_line": "Linje", "etl_run_id": "Dataindlæsning",
                                    "etl_run_finished_at": "Indlæst"})
        show_table(rows, {"Vægt": 4, "Bidrag i måneden": 2, "Bidrag til tallet": 4}, key=f"trace_{role}",
                   file_name=f"{kpi.id}-{result.period}-{role}.csv", height=300)


def notes_section() -> None:
    if not chosen.is_own:
        st.caption("Noter vises kun for din egen kommune.")
        return
    found = analysis.notes(scope, [kpi.id], chosen.start, chosen.end)
    st.markdown(f"**Noter** ({len(found)})")
    if found.empty:
        st.caption("Der er ingen noter om nøgletallet i perioden.")
    for note in found.itertuples():
        with st.container(border=True):
            edited = "" if note.updated_at == note.created_at else " (rettet)"
            st.markdown(f"**{note.period}** · {note.author_name} · "
                        f"{in_local_time(pd.Series([note.updated_at])).iloc[0]:%d.%m.%Y %H:%M}{edited}")
            st.write(note.text)
            if note.author == scope.username:
                with st.popover("Ret noten", icon=":material/edit:"), st.form(f"edit_note_{note.note_id}"):
                    text = st.text_area("Tekst", note.text, max_chars=2000)
                    save, remove = st.columns(2)
                    if save.form_submit_button("Gem ændringen"):
                        change(lambda text=text, note=note: analysis.edit_note(scope, note.note_id, text))
                    if remove.form_submit_button("Slet noten"):
                        change(lambda note=note: analysis.delete_note(scope, note.note_id))
    months = [period_label(m.date(), "month") for m in pd.date_range(chosen.start, chosen.end, freq="MS")]
    periods = ([period_label(period, granularity)] if granularity != "month" else []) + months[::-1]
    with st.expander("Skriv en note", icon=":material/edit_note:"), st.form("new_note", clear_on_submit=True):
        about = st.selectbox("Perioden noten handler om", periods, format_func=period_name)
        text = st.text_area("Note", max_chars=2000, placeholder="Fx: Tallet for oktober er lavt, fordi tre "
                            "anbringelser blev registreret for sent.")
        if st.form_submit_button("Gem note", icon=":material/save:"):
            change(lambda: analysis.add_note(scope, kpi.id, about, text))


def period_name(label: str) -> str:
    start, granularity = parse_period(label)
    return period_text(start, granularity)


def change(action) -> None:
    try:
        action()
    except (NoteError, AccessDenied) as error:
        st.error(str(error))
        return
    st.rerun()


def chosen_kpi(ids: list[str]) -> str:
    """The KPI picked here or named in the URL (a link from the overview), kept in the URL by its id.

    Not bound with bind="query-params": that keeps the Danish name shown in the list, and a link by id is
    shorter and survives a renamed KPI."""
    asked = st.query_params.get(PARAM_KPI)
    if asked in ids and asked != st.session_state.get("kpi_in_url"):
        st.session_state["kpi_choice"] = asked  # a new link wins over the last choice on the page
    if st.session_state.get("kpi_choice") not in ids:
        st.session_state["kpi_choice"] = ids[0]
    picked = st.selectbox("Nøgletal", ids, format_func=lambda i: choices[i].name, key="kpi_choice")
    st.query_params[PARAM_KPI] = st.session_state["kpi_in_url"] = picked
    return picked


scope = page_scope(Role.LEADER)
chosen = filters.current()
name = data.municipality_name(chosen.municipality_code)
choices = {k.id: k for k in data.kpis(chosen.area)}

st.title("Analyse af nøgletal")
kpi = choices[chosen_kpi(list(choices))]
frame = data.benchmark(scope, kpi.id, chosen.municipality_code, chosen.start, chosen.end)
peers = frame.attrs["peers"]
in_data = frame.attrs["municipalities_in_data"]
labels = {"own": name, "group": f"Sammenligningskommuner ({len(peers)})",
          "country": "Hele landet" if in_data >= 98 else f"Alle kommuner i datagrundlaget ({in_data})"}
period, granularity = analysis.analysed_period(kpi, chosen.start, chosen.end)
if not chosen.is_own:
    st.info(f"Du ser {name} Kommune: kun samlede tal, og tal bygget på under fem personer vises ikke. Rækkerne bag "
            "tallene og noterne vises kun for din egen kommune.")

with_values = frame.dropna(subset=["own_value"])
if with_values.empty:
    st.info(f"Der er ingen tal for {name} for dette nøgletal i perioden {month_label(chosen.start)}-"
            f"{month_label(chosen.end)}.")
    st.stop()
latest = with_values.iloc[-1]
st.subheader(f"{kpi.name}, {month_name(latest['period'])}")
for column, series in zip(st.columns(3), ("own", "group", "country"), strict=True):
    value = latest[f"{series}_value"]
    delta = None
    if series == "own" and not pd.isna(latest["group_value"]):
        delta = f"{analysis.difference_text(kpi, value, latest['group_value'])} i forhold til sammenligningskommunerne"
    column.metric(labels[series], f"{number(value, kpi.decimals)} {kpi.unit}", delta=delta, delta_color="off")

notes = analysis.notes(scope, [kpi.id], chosen.start, chosen.end) if chosen.is_own else pd.DataFrame()
marks = pd.DataFrame({"month": [parse_period(p)[0] for p in notes.get("period", [])],
                      "text": list(notes.get("text", []))})
timeline_granularity = st.radio(
    "Periodelængde", list(GRANULARITY_WORDS), format_func=lambda g: GRANULARITY_WORDS[g].capitalize(),
    horizontal=True, key="timeline_granularity",
    help="Kvartaler og år viser kun hele perioder med data. Et kvartal eller år regnes af tæller og nævner for "
         "hele perioden (fx underretninger i alt over det gennemsnitlige antal indbyggere), ikke som et "
         "gennemsnit af månedernes værdier.")
timeline = analysis.over_time(scope, kpi.id, chosen.municipality_code, chosen.start, chosen.end,
                              timeline_granularity)
no_whole_periods = (f"Perioden {month_label(chosen.start)}-{month_label(chosen.end)} rummer intet helt "
                    f"{GRANULARITY_WORDS[timeline_granularity]} med data. Vælg en længere periode i sidepanelet.")
if timeline.empty:
    st.info(no_whole_periods)
else:
    st.altair_chart(noted_benchmark_chart(timeline, labels, kpi.unit, kpi.decimals, marks, timeline_granularity),
                    width="stretch")
with st.expander("Sådan beregnes nøgletallet", icon=":material/help:"):
    st.write(kpi.description)
    st.markdown(f"- **Tæller:** {kpi.numerator.label}\n- **Nævner:** {kpi.denominator.label}\n"
                f"- **Sammenligningskommuner:** " + ", ".join(data.municipality_name(m) for m in peers))
    st.caption("Gruppens værdi er summen af tællerne divideret med summen af nævnerne, ikke et gennemsnit af "
               "kommunernes værdier. Værdier bygget på færre end 5 personer vises ikke for andre kommuner.")
notes_section()

development, ranks, tree, rows = st.tabs(["Udvikling", "Rangering og kort", "Opdeling", "Rækkerne bag tallet"])
with development:
    values_table()
with ranks:
    ranking_section()
with tree:
    chosen_path, chosen_name = decomposition_section()
with rows:
    trace_section(chosen_path, chosen_name)
