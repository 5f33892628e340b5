"""Credentials for the simulator (the simulator itself is the root conftest's session fixture)."""

from __future__ import annotations

import pytest

API_KEY = "cc-test-key-" + "9f3c" * 6
GITHUB_TOKEN = "ghp_" + "T3stT0ken" * 4


@pytest.fixture
def creds(simulator):
    """Keyword arguments for ``invoke`` pointing at the simulator."""
    return {
        "repo": "https://github.com/octo/demo",
        "api_url": simulator.url,
        "api_key": API_KEY,
        "github_token": GITHUB_TOKEN,
    }
