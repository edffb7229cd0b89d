"""Atomic publishing of warehouse files, and the lock that keeps two ETL runs apart.

The app opens ``current.duckdb``, a symbolic link (and, for CPR look-ups, ``identity.duckdb``). A
run builds its files under ``.building/``, moves each beside its link when complete, and switches
the link with one ``rename``: readers see the old files or the new ones, never a half-built file.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

KEEP_PUBLISHED = 3


class EtlBusy(RuntimeError):
    """Another run holds the lock."""


class RunLock:
    def __init__(self, warehouse_dir: Path):
        self.path = warehouse_dir / ".etl.lock"
        self._handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "w")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            raise EtlBusy(f"en anden dataindlæsning kører allerede (låsen {self.path} er taget)") from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def building_dir(warehouse_dir: Path) -> Path:
    """Where runs build; anything left here while we hold the lock is from a run that died."""
    path = warehouse_dir / ".building"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear_stale_builds(warehouse_dir: Path) -> list[str]:
    removed = []
    for leftover in building_dir(warehouse_dir).iterdir():
        if leftover.is_dir():
            for inner in leftover.iterdir():
                inner.unlink()
            leftover.rmdir()
        else:
            leftover.unlink()
        removed.append(leftover.name)
    return removed


def publish(new_file: Path, warehouse_dir: Path, link_name: str, prefix: str) -> Path:
    """Move ``new_file`` next to ``link_name`` and point the link at it in one rename; keep the newest few."""
    final = warehouse_dir / new_file.name
    _fsync(new_file)
    os.replace(new_file, final)
    link = warehouse_dir / link_name
    staging_link = warehouse_dir / f".{link_name}.{os.getpid()}"
    if staging_link.is_symlink() or staging_link.exists():
        staging_link.unlink()
    os.symlink(final.name, staging_link)
    os.replace(staging_link, link)
    _fsync_dir(warehouse_dir)
    _prune(warehouse_dir, prefix, keep=final)
    return final


def published_file(warehouse_dir: Path, link_name: str) -> Path | None:
    link = warehouse_dir / link_name
    return link.resolve() if link.exists() else None


def _prune(warehouse_dir: Path, prefix: str, keep: Path) -> None:
    files = sorted(warehouse_dir.glob(f"{prefix}*.duckdb"), key=lambda p: p.name, reverse=True)
    for old in files[KEEP_PUBLISHED:]:
        if old != keep:
            old.unlink()
            wal = old.with_name(old.name + ".wal")
            if wal.exists():
                wal.unlink()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
