"""Shared fixtures: a real simulator on loopback (in-process) and credentials for it."""

from __future__ import annotations

import pytest

from cc_jupyter.simulator import Simulator

API_KEY = "cc-test-key-" + "9f3c" * 6
GITHUB_TOKEN = "ghp_" + "T3stT0ken" * 4


@pytest.fixture(scope="session")
def simulator():
    sim = Simulator(host="127.0.0.1", port=0, pace=0).start()
    yield sim
    sim.stop()


@pytest.fixture
def creds(simulator):
    """Keyword arguments for ``invoke`` pointing at the simulator."""
    return {
        "repo": "https://github.com/octo/demo",
        "api_url": simulator.url,
        "api_key": API_KEY,
        "github_token": GITHUB_TOKEN,
    }
