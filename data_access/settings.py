"""Where Overblik keeps its data and secrets, read from the environment.

Every location has a local default below ``data/`` so that a new user needs no
configuration; operators override them with ``OVERBLIK_*`` variables.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"

PUBLISHED_NAME = "current.duckdb"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_dir: Path
    appstate_url: str
    warehouse_url: str | None = None  # a server engine's SQLAlchemy URL; None: the DuckDB file in warehouse_dir

    @property
    def published_warehouse(self) -> Path:
        return self.warehouse_dir / PUBLISHED_NAME

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("OVERBLIK_DATA_DIR") or PROJECT_ROOT / "data")
    warehouse_dir = Path(env.get("OVERBLIK_WAREHOUSE_DIR") or data_dir / "warehouse")
    appstate_url = env.get("OVERBLIK_APPSTATE_URL") or f"sqlite:///{data_dir / 'appstate.sqlite'}"
    warehouse_url = env.get("OVERBLIK_WAREHOUSE_URL") or None
    return Settings(data_dir=data_dir, warehouse_dir=warehouse_dir, appstate_url=appstate_url,
                    warehouse_url=warehouse_url)


def secret(name: str, settings: Settings | None = None) -> str:
    """A secret from ``OVERBLIK_<NAME>``, else a random one kept in ``data/secrets``.

    A random per-installation default (never a constant in git) keeps a demo
    install safe: nobody can forge its login cookies or reverse its pseudonyms.
    """
    from_env = os.environ.get(f"OVERBLIK_{name.upper()}")
    if from_env:
        return from_env
    settings = settings or load_settings()
    path = settings.secrets_dir / f"{name.lower()}.key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    # Exclusive create: when two processes race, the loser reads the winner's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class SmtpSettings:
    """How report subscriptions are mailed (reports/distribution.py), from ``OVERBLIK_SMTP_*``."""

    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = None
    sender: str = "overblik@localhost"
    security: str = "none"  # none | starttls | ssl
    app_url: str = "http://127.0.0.1:8501"  # links in mails point here
    timeout: float = 30.0


def load_smtp_settings(env: dict[str, str] | None = None) -> SmtpSettings:
    env = dict(os.environ if env is None else env)
    security = env.get("OVERBLIK_SMTP_SECURITY") or "none"
    if security not in ("none", "starttls", "ssl"):
        raise ValueError(f"OVERBLIK_SMTP_SECURITY skal være none, starttls eller ssl, ikke {security!r}")
    return SmtpSettings(
        host=env.get("OVERBLIK_SMTP_HOST") or "localhost",
        port=int(env.get("OVERBLIK_SMTP_PORT") or (465 if security == "ssl" else 25)),
        username=env.get("OVERBLIK_SMTP_USER") or None, password=env.get("OVERBLIK_SMTP_PASSWORD") or None,
        sender=env.get("OVERBLIK_SMTP_FROM") or "overblik@localhost", security=security,
        app_url=(env.get("OVERBLIK_APP_URL") or "http://127.0.0.1:8501").rstrip("/"),
        timeout=float(env.get("OVERBLIK_SMTP_TIMEOUT") or 30),
    )
