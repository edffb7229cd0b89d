"""A private PostgreSQL cluster for the tests: a fresh initdb in a temporary folder, on 127.0.0.1.

initdb refuses to run as root, so when the tests run as root the cluster belongs to the
``postgres`` system user that Debian's package creates. The server runs in Copenhagen time, as a
municipality's would, so that time-zone-dependent results (``date_trunc`` of a date) are exercised.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL_HINT = ("PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): run `make test`, "
                "which installs the Debian package postgresql.")


@dataclass(frozen=True)
class Cluster:
    bin_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        _run([self.bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name])
        return self.url(name)

    def execute(self, statement: str, database: str = "postgres") -> None:
        _run([self.bin_dir / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
              "-v", "ON_ERROR_STOP=1", "-c", statement])


def server_binaries(installed: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest installed PostgreSQL's bin folder; a failure (never a skip) when there is none."""
    found = [p.parent for p in installed.glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    if not found:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return max(found, key=lambda bin_dir: int(bin_dir.parent.name))


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    bin_dir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="overblik-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = _free_port()
    # No fsync: the cluster lives for one test session, and waiting for the disk would only slow it down.
    options = (f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               f"-c TimeZone=Europe/Copenhagen")
    try:
        _run([*as_owner, bin_dir / "initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8",
              "--no-locale", "--no-sync"])
        _run([*as_owner, bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start"], log)
        try:
            yield Cluster(bin_dir, port)
        finally:
            _run([*as_owner, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], log)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list, log: Path | None = None) -> None:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace") if log is not None and log.exists() else ""
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}{server_log}")
