"""Credentials for the simulator (the simulator itself is the root conftest's session fixture),
and an in-process IPython shell with the extension loaded."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from .git_world import world  # noqa: F401 - a fixture for every test module

API_KEY = "cc-test-key-" + "9f3c" * 6
GITHUB_TOKEN = "ghp_" + "T3stT0ken" * 4
REPO = "https://github.com/octo/shell-demo"


@pytest.fixture
def creds(simulator):
    """Keyword arguments for ``invoke`` pointing at the simulator."""
    return {
        "repo": "https://github.com/octo/demo",
        "api_url": simulator.url,
        "api_key": API_KEY,
        "github_token": GITHUB_TOKEN,
    }


@pytest.fixture
def shell(simulator, monkeypatch, tmp_path):
    """A fresh shell with the extension loaded and the environment pointing at the simulator."""
    for name, value in {"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY,
                        "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_REPO": REPO, "CLOUDCODE_REPLAY": "never",
                        "CLOUDCODE_RECORD_DIR": str(tmp_path / "recordings")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CLOUDCODE_DEMO", raising=False)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "cc_jupyter")
    yield ip
    ip.run_line_magic("unload_ext", "cc_jupyter")
    for name in [n for n in ip.user_ns if n.startswith("r_")]:
        del ip.user_ns[name]


def cell(ip, line: str, body: str):
    return ip.run_cell_magic("cloudcode", line, body)


def line(ip, text: str):
    return ip.run_line_magic("cloudcode", text)
