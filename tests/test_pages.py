"""Every page for every role, run by Streamlit's AppTest against the loaded demo warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.appstate import UserRecord
from data_access.caseload import my_cases
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import kroner, number

from .helpers import scope

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(demo, use_installation):
    use_installation(demo)

    def signed_in(username: str, password: str | None = None, *, settle: bool = True) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert [t.label for t in at.text_input] == ["Brugernavn", "Adgangskode"]
        at.text_input[0].input(username)
        at.text_input[1].input(password or f"demo-{username}")
        at.button[0].click().run()
        if settle:
            # In a browser the login cookie's component answers and Streamlit runs the script once more.
            at.run()
        assert not at.exception, at.exception
        return at
    return signed_in


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_wrong_password_shows_a_danish_error_and_no_data(app):
    at = app("leder", "forkert")
    assert [e.value for e in at.error] == ["Forkert brugernavn eller adgangskode."]
    assert [t.value for t in at.title] == ["Overblik"]
    assert not at.metric


def test_caseworker_sees_own_cases_with_real_totals(app, demo):
    at = app("sagsbehandler")
    assert at.title[0].value == "Mine sager"
    cases = my_cases(scope(Role.CASEWORKER, 479, "479:AZ47901"), demo.warehouse, demo.appstate)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Aktive bevillinger"] == number(len(cases))
    assert metrics["Forbrug i 2026"] == kroner(cases["spent_this_year"].sum())
    # My cases first, then my spend beside the area's, one row per account function and a total.
    assert len(at.dataframe) == 2 and len(at.dataframe[0].value) == len(cases)
    assert len(at.dataframe[1].value) == cases["function_code"].nunique() + 1


def test_the_sidebar_names_the_user_role_municipality_and_data_date(app):
    # Checked on the run right after signing in: AppTest (unlike a browser) loses sidebar
    # content on later runs of an app that uses st.navigation.
    at = app("sagsbehandler", settle=False)
    sidebar = [getattr(element, "value", "") for element in at.sidebar.children.values()]
    assert "**Sara Sagsbehandler**  \nSagsbehandler, Svendborg Kommune" in sidebar
    assert any(str(text).startswith("Data pr. 1. november 2026") for text in sidebar)


def test_leader_lands_on_the_kpi_overview_and_opens_an_analysis(app, demo):
    at = app("leder")
    assert at.title[0].value == "Nøgletal og sammenligning"
    frame = KpiEngine(load_catalogue(), load_groups(), demo.warehouse).benchmark(scope(Role.LEADER),
                                                                                  "K-UBU-PLAC-1000")
    latest = frame.iloc[-1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Anbragte pr. 1.000 0-22-årige"] == f"{number(latest['own_value'], 1)} pr. 1.000"
    at.query_params["noegletal"] = "K-ECO-BUDGET-USE"
    at.switch_page("pages/leader_analysis.py").run()
    assert not at.exception
    assert at.title[0].value == "Analyse af nøgletal"
    assert at.subheader[0].value.startswith("Budgetforbrug, det specialiserede socialområde")


def test_politician_sees_targets_in_plain_language(app):
    at = app("politiker")
    assert at.title[0].value == "Mål og resultater"
    text = markdown_text(at)
    assert "Vi har " in text and "anbragte pr. 1.000 0-22-årige; målet er højst 7,5" in text
    assert "målet er omkring 100" in text
    # One table, the overview of the targets: aggregates only, never a person.
    assert len(at.dataframe) == 1
    overview = at.dataframe[0].value
    assert list(overview.columns) == ["Nøgletal", "Status", "Mål", "Seneste tal", "Sammenligningskommuner",
                                      "Hele landet", "Enhed", "Måned"]
    assert "Anbragte pr. 1.000 0-22-årige" in set(overview["Nøgletal"])


def test_admin_sees_the_etl_run_log(app, demo):
    at = app("admin")
    assert at.title[0].value == "Dataindlæsning"
    delivered = len(list(demo.inbox.iterdir()))
    runs = at.dataframe[0].value
    assert runs.iloc[0]["Status"] == "Gennemført" and runs.iloc[0]["Filer"] == delivered
    files = at.dataframe[1].value
    assert len(files) == delivered and set(files["Status"]) == {"Indlæst"}


@pytest.mark.parametrize(("username", "foreign_page"), [
    ("sagsbehandler", "pages/leader_analysis.py"),
    ("politiker", "pages/leader_overview.py"),
    ("politiker", "pages/caseworker_cases.py"),
    ("leder", "pages/admin_etl_runs.py"),
])
def test_a_role_cannot_open_another_roles_page(app, username, foreign_page):
    at = app(username)
    at.switch_page(foreign_page).run()
    assert [e.value for e in at.error] == ["Siden hører ikke til din rolle."]
    assert not at.title and not at.metric and not at.dataframe


def test_a_page_opened_without_signing_in_shows_nothing(demo, use_installation):
    use_installation(demo)
    at = AppTest.from_file(str(Path(APP).parent / "pages" / "leader_analysis.py"), default_timeout=60).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Log ind for at se denne side."]
    assert not at.metric and not at.dataframe and not at.title


def test_a_leader_in_a_municipality_without_data_gets_a_plain_message(app, demo):
    if demo.appstate.user("leder_kbh") is None:
        demo.appstate.add_user(UserRecord("leder_kbh", "Karen København", None, Role.LEADER, 101, None),
                               "demo-leder_kbh")
    at = app("leder_kbh")
    assert [i.value for i in at.info] == ["Der er endnu ingen nøgletal for København i perioden."]
    assert not at.metric
