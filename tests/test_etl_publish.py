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


def test_cli_exit_codes_and_messages(loaded):
    env = {**os.environ, **loaded.env()}
    command = [sys.executable, "-m", "etl.run", "--inbox", str(loaded.inbox), "--warehouse", str(loaded.warehouse_dir)]
    nothing_new = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert nothing_new.returncode == 0, nothing_new.stderr
    assert "Ingen nye filer" in nothing_new.stdout
    rebuilt = subprocess.run([*command, "--full"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Publiceret overblik-" in rebuilt.stdout and "fuld opbygning" in rebuilt.stdout
    assert "3 i karantæne" in rebuilt.stdout

    bad = "KMD_BV_BEVILLINGER_0410_20260402.csv"  # the next night's delivery, saved in the wrong encoding
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
    # The next night's delivery adds one grant in Middelfart.
    d.write_kmd(loaded.inbox, 410, "20260402", [
        d.kmd_grant(410, "2002", s.H, "BL-46", date(2026, 3, 1), None, "20000,00", placement="Almen plejefamilie"),
    ])
    load(loaded)
    assert warehouse.version != first_version
    assert int(warehouse.query(select(func.count()).select_from(fact_grant)).iloc[0, 0]) == grants + 1
    old_files = sorted(p.name for p in loaded.warehouse_dir.glob("overblik-*.duckdb"))
    assert first_version in old_files  # kept for readers still on it


def test_a_run_with_nothing_new_changes_nothing(loaded):
    before = published(loaded)
    result = load(loaded)
    assert result.unchanged and result.published is None
    assert published(loaded) == before
    runs = loaded.appstate.etl_runs(scope(Role.ADMIN))
    assert runs.iloc[0]["status"] == "succeeded" and "Ingen nye filer" in runs.iloc[0]["message"]


def test_only_the_newest_warehouses_are_kept(loaded):
    for _ in range(4):
        load(loaded, full=True)
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
        [sys.executable, "-m", "etl.run", "--full", "--inbox", str(installation.inbox), "--warehouse",
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
    load(installation, full=True)  # the next run clears it up and publishes
    assert not list(building.iterdir())
    assert published(installation) != before
