"""The application-state store: users with hashed passwords, seeded from a file, and the credentials it hands out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from data_access.appstate import DEMO_USERS_FILE, AppState, load_user_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path) -> AppState:
    return AppState(f"sqlite:///{tmp_path / 'appstate.sqlite'}")


def test_seeding_adds_missing_users_once_with_bcrypt_hashes(store):
    assert store.seed_users(DEMO_USERS_FILE) == ["sagsbehandler", "leder", "politiker", "admin"]
    assert store.seed_users(DEMO_USERS_FILE) == []
    credentials = store.credentials()["usernames"]
    assert set(credentials) == {"sagsbehandler", "leder", "politiker", "admin"}
    hashed = credentials["leder"]["password"]
    assert hashed.startswith("$2b$") and "demo-leder" not in hashed
    assert bcrypt.checkpw(b"demo-leder", hashed.encode())
    assert credentials["sagsbehandler"]["roles"] == ["caseworker"]
    assert store.user("SAGSBEHANDLER").caseworker_key == "479:AZ47901"


@pytest.mark.parametrize(("entry", "message"), [
    ("  - {username: x, name: X, role: leader, municipality_code: 479}", "mindst 8 tegn"),
    ("  - {username: x, name: X, role: leader, municipality_code: 479, password: kort}", "mindst 8 tegn"),
    ("  - {username: x, name: X, role: boss, municipality_code: 479, password: langtnok1}", "ukendt rolle 'boss'"),
    ("  - {username: x, name: X, role: caseworker, municipality_code: 479, password: langtnok1}", "caseworker_key"),
])
def test_a_user_file_with_a_mistake_is_refused_with_the_reason(tmp_path, entry, message):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_user_file(path)


def test_the_command_line_adds_a_user_with_the_password_from_standard_input(tmp_path):
    url = f"sqlite:///{tmp_path / 'appstate.sqlite'}"
    env = {**os.environ, "OVERBLIK_APPSTATE_URL": url, "OVERBLIK_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "data_access", "add-user", "mette", "--name", "Mette Madsen", "--role",
               "leader", "--municipality", "410"]
    added = subprocess.run(command, cwd=ROOT, env=env, input="hemmelig-kode\n", capture_output=True, text=True,
                           check=False)
    assert added.returncode == 0, added.stderr
    user = AppState(url).user("mette")
    assert (user.display_name, user.municipality_code) == ("Mette Madsen", 410)
    assert bcrypt.checkpw(b"hemmelig-kode", AppState(url).credentials()["usernames"]["mette"]["password"].encode())
    too_short = subprocess.run([*command[:4], "ole", *command[5:]], cwd=ROOT, env=env, input="kort\n",
                               capture_output=True, text=True, check=False)
    assert too_short.returncode == 2 and "mindst 8 tegn" in too_short.stderr
    assert AppState(url).user("ole") is None
