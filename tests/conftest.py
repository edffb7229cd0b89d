"""Shared fixtures: isolated data folders, the hand-made scenario and the generated demo, each loaded for real."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from data_access.appstate import DEMO_USERS_FILE
from etl.generate.delivery import generate_delivery
from etl.generate.profiles import DEMO

from .helpers import Installation, load, make_installation
from .postgres_cluster import Cluster, private_cluster
from .scenario import write_small_delivery
from .scenario_kerteminde import write_kerteminde_delivery

# The browser fixtures (server, browser, page) for every browser test module.
pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory):
    """No test touches the repository's data/: secrets and defaults go to a temporary folder."""
    root = tmp_path_factory.mktemp("default-data")
    previous = {key: os.environ.get(key) for key in ("OVERBLIK_DATA_DIR", "OVERBLIK_WAREHOUSE_DIR",
                                                      "OVERBLIK_APPSTATE_URL", "OVERBLIK_WAREHOUSE_URL")}
    os.environ["OVERBLIK_DATA_DIR"] = str(root)
    os.environ.pop("OVERBLIK_WAREHOUSE_DIR", None)
    os.environ.pop("OVERBLIK_APPSTATE_URL", None)
    os.environ.pop("OVERBLIK_WAREHOUSE_URL", None)
    yield root
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _loaded(tmp_path_factory, name: str, write_delivery) -> Installation:
    installation = make_installation(tmp_path_factory.mktemp(name))
    write_delivery(installation.inbox)
    load(installation)
    return installation


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Installation:
    """The hand-made scenario of tests/scenario.py, loaded by the real ETL."""
    return _loaded(tmp_path_factory, "small", write_small_delivery)


@pytest.fixture(scope="session")
def kerteminde(tmp_path_factory) -> Installation:
    """The second hand-made scenario (tests/scenario_kerteminde.py): adults, institutions, registration mistakes."""
    return _loaded(tmp_path_factory, "kerteminde", write_kerteminde_delivery)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Installation:
    """The generated demo delivery (seed 1) loaded by the real ETL, with the demo users."""
    installation = make_installation(tmp_path_factory.mktemp("demo"))
    generate_delivery(DEMO, 1, installation.inbox)
    load(installation)
    installation.appstate.seed_users(DEMO_USERS_FILE)
    return installation


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A private PostgreSQL server for the session; without PostgreSQL installed the tests fail, never skip."""
    with private_cluster() as cluster:
        yield cluster


@pytest.fixture
def use_installation(monkeypatch):
    """Point the application (settings, caches) at an installation for one test."""
    def activate(installation: Installation) -> Installation:
        for key, value in installation.env().items():
            monkeypatch.setenv(key, value)
        return installation
    return activate

