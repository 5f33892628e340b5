"""Session-wide test setup, also for notebooks collected by nbval (which runs no fixtures).

One simulator, with the test rigs of ``tests/simrigs``, starts in ``pytest_sessionstart``; kernels
find it through ``CLOUDCODE_DEMO_URL`` (``%cloudcode demo`` and ``CLOUDCODE_DEMO=1`` reuse it). A
developer's real key is removed from the environment first, so no test can reach the real API with it.
"""

from __future__ import annotations

import os

import pytest

from cc_jupyter.settings import SECRET_ENVIRONMENT_VARIABLES
from tests.simrigs import RiggedSimulator

# A developer's own settings must not steer the tests (or reach the real API).
_SECRET_VARIABLES = (*SECRET_ENVIRONMENT_VARIABLES, "CLOUDCODE_API_URL", "CLOUDCODE_REPO", "CLOUDCODE_DEMO")
_SIMULATOR = pytest.StashKey[RiggedSimulator]()


def pytest_sessionstart(session: pytest.Session) -> None:
    for name in _SECRET_VARIABLES:
        os.environ.pop(name, None)
    # The shipped notebooks (nbval) must replay their recordings: none of their cells may go live.
    # Tests that run cells live say so (tests/kernel.py, the shell fixture).
    os.environ["CLOUDCODE_REPLAY"] = "only"
    os.environ.pop("CLOUDCODE_RECORD_DIR", None)
    sim = RiggedSimulator(host="127.0.0.1", port=0, pace=0, quiet=True).start()
    session.config.stash[_SIMULATOR] = sim
    os.environ["CLOUDCODE_DEMO_URL"] = sim.url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    sim = session.config.stash.get(_SIMULATOR, None)
    if sim is not None:
        sim.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if ".ipynb" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def simulator(request: pytest.FixtureRequest) -> RiggedSimulator:
    """The session's simulator (pace 0: runs complete at once unless a directive says otherwise)."""
    return request.config.stash[_SIMULATOR]
