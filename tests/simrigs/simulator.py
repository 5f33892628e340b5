"""`RiggedSimulator`: the shipped simulator with every rig, and the controls tests use."""
from __future__ import annotations

from typing import Any

from cc_jupyter.simulator import Simulator

from .rigs import Rigs


class RiggedSimulator(Simulator):
    """A Simulator with `Rigs` (same arguments, no `extension`): reset, gates, GitHub failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rigs = Rigs()
        super().__init__(*args, extension=self.rigs, **kwargs)

    def reset(self) -> None:
        """Forget request records, thread memory and GitHub failure modes; let every held run go."""
        self.rigs.reset(self.state)

    def github_failure(self, repo: str, mode: str | None) -> None:
        """Make every GitHub REST call on `repo` fail: "404", "ratelimit", "timeout", "garbage", "500"; None clears."""
        self.rigs.github_failures.set(repo, mode)

    def release(self, name: str) -> None:
        """Let runs held by `hold=NAME` continue, now and later (a latch until reset())."""
        self.rigs.gates.release(name)

    def wait_held(self, name: str, timeout: float = 10.0) -> None:
        """Return once a run waits at `hold=NAME`; raise TimeoutError after `timeout` seconds."""
        self.rigs.gates.wait_held(name, timeout)

    def held(self, name: str) -> int:
        """How many runs (open streams) wait at `hold=NAME` now."""
        return self.rigs.gates.held(name)

    def __repr__(self) -> str:
        return super().__repr__().replace("<Simulator", "<RiggedSimulator", 1)
