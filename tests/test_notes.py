"""Notes on KPIs (F-BENCH-NOTES) in a real SQLite application-state store, called as each role."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from data_access.appstate import AppState, UserRecord
from data_access.notes import NoteError, add_note, delete_note, edit_note, notes
from data_access.scope import AccessDenied, Role

from .helpers import scope

LEADER = scope(Role.LEADER, 479, username="leder")
OTHER_LEADER = scope(Role.LEADER, 479, username="leder2")
CASEWORKER = scope(Role.CASEWORKER, 479, "479:AZ47901", username="sagsbehandler")
POLITICIAN = scope(Role.POLITICIAN, 479, username="politiker")
ADMIN = scope(Role.ADMIN, 479, username="admin")
ODENSE_LEADER = scope(Role.LEADER, 461, username="leder-odense")
PLACED = "K-UBU-PLAC-1000"


@pytest.fixture
def store(tmp_path):
    appstate = AppState(f"sqlite:///{tmp_path / 'appstate.sqlite'}")
    appstate.add_user(UserRecord("leder", "Lene Leder", None, Role.LEADER, 479, None), "demo-leder")
    return appstate


def test_a_note_is_stored_for_the_own_municipality_and_read_back_with_its_author(store):
    note_id = add_note(LEADER, PLACED, "2026-10", "  Tre anbringelser flyttet fra Nyborg i oktober.  ", store)
    found = notes(LEADER, appstate=store)
    assert found[["note_id", "kpi_id", "period", "text", "author", "author_name"]].to_dict("records") == [
        {"note_id": note_id, "kpi_id": PLACED, "period": "2026-10",
         "text": "Tre anbringelser flyttet fra Nyborg i oktober.", "author": "leder", "author_name": "Lene Leder"}]
    assert "kpi_note" in inspect(store.engine).get_table_names()


def test_everyone_of_the_municipality_reads_all_its_notes_filtered_by_kpi_and_period(store):
    first = add_note(LEADER, PLACED, "2026-10", "Ny opgørelse af plejefamilier.", store)
    second = add_note(CASEWORKER, PLACED, "2026-Q3", "Registreret for sent i juli.", store)
    third = add_note(OTHER_LEADER, "K-ECO-BUDGET-USE", "2026", "Tillægsbevilling i juni.", store)
    for reader in (LEADER, OTHER_LEADER, CASEWORKER, POLITICIAN):
        assert sorted(notes(reader, appstate=store)["note_id"]) == [first, second, third]
    assert sorted(notes(LEADER, [PLACED], appstate=store)["note_id"]) == [first, second]
    assert list(notes(LEADER, [PLACED], ["2026-10"], store)["note_id"]) == [first]
    assert notes(LEADER, ["K-DQ-LATE"], appstate=store).empty


def test_notes_of_another_municipality_never_come_back(store):
    add_note(ODENSE_LEADER, PLACED, "2026-10", "Odenses egen note.", store)
    mine = add_note(LEADER, PLACED, "2026-10", "Svendborgs note.", store)
    for reader in (LEADER, CASEWORKER, POLITICIAN):
        assert list(notes(reader, appstate=store)["note_id"]) == [mine]
        assert list(notes(reader, [PLACED], ["2026-10"], store)["text"]) == ["Svendborgs note."]
    assert list(notes(ODENSE_LEADER, appstate=store)["text"]) == ["Odenses egen note."]


def test_only_the_author_edits_or_deletes_a_note(store):
    note_id = add_note(LEADER, PLACED, "2026-10", "Første udkast.", store)
    edit_note(LEADER, note_id, "Rettet af forfatteren.", store)
    assert list(notes(LEADER, appstate=store)["text"]) == ["Rettet af forfatteren."]
    for intruder in (OTHER_LEADER, CASEWORKER, POLITICIAN, ADMIN, ODENSE_LEADER):
        with pytest.raises(AccessDenied):
            edit_note(intruder, note_id, "Overskrevet.", store)
        with pytest.raises(AccessDenied):
            delete_note(intruder, note_id, store)
    # A user of the same name in another municipality is another person.
    with pytest.raises(AccessDenied):
        edit_note(scope(Role.LEADER, 461, username="leder"), note_id, "Overskrevet.", store)
    assert list(notes(LEADER, appstate=store)["text"]) == ["Rettet af forfatteren."]
    delete_note(LEADER, note_id, store)
    assert notes(LEADER, appstate=store).empty


def test_a_missing_note_is_refused_like_someone_elses(store):
    with pytest.raises(AccessDenied, match="dine egne noter"):
        edit_note(LEADER, 999, "Findes ikke.", store)


def test_politicians_and_administrators_cannot_write_and_administrators_cannot_read(store):
    for who in (POLITICIAN, ADMIN):
        with pytest.raises(AccessDenied):
            add_note(who, PLACED, "2026-10", "Ikke tilladt.", store)
    with pytest.raises(AccessDenied):
        notes(ADMIN, appstate=store)
    assert notes(POLITICIAN, appstate=store).empty


@pytest.mark.parametrize(("period", "text", "message"), [
    ("oktober", "Tekst.", "ikke en periode"),
    ("2026-10", "   ", "tom"),
    ("2026-10", "x" * 2001, "for lang"),
])
def test_a_note_must_have_a_period_and_a_sensible_text(store, period, text, message):
    with pytest.raises(NoteError, match=message):
        add_note(LEADER, PLACED, period, text, store)
    assert notes(LEADER, appstate=store).empty
