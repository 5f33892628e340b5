"""Shared fixtures: one real simulator on loopback for the whole session, and credentials.

nbval runs no fixtures for notebook cells, so the simulator starts in ``pytest_sessionstart``
and kernels find it through ``CLOUDCODE_DEMO_URL`` (``%cloudcode demo`` reuses it).
"""

from __future__ import annotations

import os

import pytest

from cc_jupyter.simulator import Simulator

API_KEY = "cc-test-key-" + "9f3c" * 6
GITHUB_TOKEN = "ghp_" + "T3stT0ken" * 4
_SESSION: dict[str, Simulator] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    for name in ("CLOUDCODE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "CLOUDCODE_API_URL", "CLOUDCODE_REPO"):
        os.environ.pop(name, None)  # a developer's real key must never reach a test
    sim = Simulator(host="127.0.0.1", port=0, pace=0, quiet=True).start()
    _SESSION["simulator"] = sim
    os.environ["CLOUDCODE_DEMO_URL"] = sim.url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    sim = _SESSION.pop("simulator", None)
    if sim is not None:
        sim.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def simulator() -> Simulator:
    return _SESSION["simulator"]


@pytest.fixture
def creds(simulator):
    """Keyword arguments for ``invoke`` pointing at the simulator."""
    return {
        "repo": "https://github.com/octo/demo",
        "api_url": simulator.url,
        "api_key": API_KEY,
        "github_token": GITHUB_TOKEN,
    }
