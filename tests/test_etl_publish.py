"""Publishing: a failed or killed run leaves the last good warehouse published and readable."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.scope import Role
from data_access.warehouse_schema import fact_grant, meta_load
from etl.pipeline import RunFailed
from etl.publish import EtlBusy, RunLock

from . import deliveries as d
from . import scenario as s
from .helpers import Installation, load, make_installation, scope

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def loaded(tmp_path) -> Installation:
    installation = make_installation(tmp_path / "site")
    s.write_small_delivery(installation.inbox)
    load(installation)
    return installation


def published(installation: Installation) -> Path:
    return (installation.warehouse_dir / "current.duckdb").resolve()


def grant_count(installation: Installation) -> int:
    return int(installation.warehouse.query(select(func.count()).select_from(fact_grant)).iloc[0, 0])


def assert_unchanged(installation: Installation, before: Path, grants: int) -> None:
    assert published(installation) == before
    assert grant_count(installation) == grants


@pytest.mark.parametrize(("name", "content", "expected"), [
    (f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv", "Kommunenr;Sagsnr\n".encode("utf-16"), "UTF-16"),
    (f"KMD_BV_BEVILLINGER_0479_{s.STAMP}.csv", "Kommunenr;Målgruppe\n".encode() + b"\xc3\xa6", "UTF-8"),
    (f"CPR_PERSONER_{s.STAMP}.csv", b"PNR;FORNAVN\n\xe6\xf8\xe5", "ikke gyldig UTF-8"),
    (f"CPR_PERSONER_{s.STAMP}.csv", b"", "tom"),
    (f"DST_FOLK1A_{s.STAMP}.csv", "OMRÅDE;KØN;ALDER;TID\n".encode(), "mangler kolonnen/kolonnerne INDHOLD"),
    ("KMD_BV_BEVILLINGER_0999_20260401.csv", b"x", "ukendt kommunekode 0999"),
    ("KMD_BV_BEVILLINGER_0479_20991231.csv", b"x", "fremtiden"),
    ("bevillinger.xlsx", b"x", "matcher ingen kendt kilde"),
])
def test_a_rejected_file_stops_the_run_and_keeps_the_published_warehouse(loaded, name, content, expected):
    before, grants = published(loaded), grant_count(loaded)
    (loaded.inbox / name).write_bytes(content)
    with pytest.raises(RunFailed) as failure:
        load(loaded)
    assert name in str(failure.value) and expected in str(failure.value)
    assert_unchanged(loaded, before, grants)
    runs = loaded.appstate.etl_runs(scope(Role.ADMIN))
    assert runs.iloc[0]["status"] == "failed" and name in runs.iloc[0]["message"]


def test_cli_exit_codes_and_messages(loaded):
    env = {**os.environ, **loaded.env()}
    command = [sys.executable, "-m", "etl.run", "--inbox", str(loaded.inbox), "--warehouse", str(loaded.warehouse_dir)]
    ok = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "Publiceret overblik-" in ok.stdout and "i karantæne" in ok.stdout

    bad = f"KMD_BV_BEVILLINGER_0410_{s.STAMP}.csv"
    (loaded.inbox / bad).write_bytes(b"\xff\xfeK\x00")
    failed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert bad in failed.stderr and "UTF-16" in failed.stderr and "uændret" in failed.stderr

    usage = subprocess.run([sys.executable, "-m", "etl.run", "--no-such-option"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_two_runs_cannot_overlap(loaded):
    with RunLock(loaded.warehouse_dir), pytest.raises(EtlBusy, match="kører allerede"):
        load(loaded)


def test_readers_keep_working_across_a_publish_and_then_see_the_new_data(loaded):
    warehouse = loaded.warehouse
    first_version, grants = warehouse.version, grant_count(loaded)
    # The next delivery adds one grant in Middelfart.
    d.write_kmd(loaded.inbox, 410, s.STAMP, [
        d.kmd_grant(410, "2001", s.G, "BL-46", date(2026, 3, 20), None, "20000,00", placement="Almen plejefamilie"),
        d.kmd_grant(410, "2002", s.H, "BL-46", date(2026, 3, 1), None, "20000,00", placement="Almen plejefamilie"),
    ])
    load(loaded)
    assert warehouse.version != first_version
    assert int(warehouse.query(select(func.count()).select_from(fact_grant)).iloc[0, 0]) == grants + 1
    old_files = sorted(p.name for p in loaded.warehouse_dir.glob("overblik-*.duckdb"))
    assert first_version in old_files  # kept for readers still on it


def test_only_the_newest_warehouses_are_kept(loaded):
    for _ in range(4):
        load(loaded)
    files = sorted(loaded.warehouse_dir.glob("overblik-*.duckdb"))
    assert len(files) == 3
    assert published(loaded) == files[-1]


def test_a_run_killed_mid_load_leaves_the_last_good_warehouse(tmp_path, demo):
    installation = make_installation(tmp_path / "site")
    shutil.copytree(demo.inbox, installation.inbox)
    load(installation)
    before = published(installation)
    run_id = installation.warehouse.query(select(meta_load.c.run_id)).iloc[0, 0]

    env = {**os.environ, **installation.env()}
    process = subprocess.Popen(
        [sys.executable, "-m", "etl.run", "--inbox", str(installation.inbox), "--warehouse",
         str(installation.warehouse_dir)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    building = installation.warehouse_dir / ".building"
    deadline = time.monotonic() + 60
    while not list(building.glob("*/overblik-*.duckdb")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # well into reading and validating files
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert published(installation) == before
    assert installation.warehouse.query(select(meta_load.c.run_id)).iloc[0, 0] == run_id
    assert list(building.iterdir())  # the dead run's half-built file is still lying there
    load(installation)  # the next run clears it up and publishes
    assert not list(building.iterdir())
    assert published(installation) != before
