"""Demo mode: the bundled simulator on loopback stands in for the API, no key needed."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Unreadable
from ..files import read_untrusted_text
from ..settings import Settings, demo_url

if TYPE_CHECKING:
    from ..simulator import Simulator

DEMO_REPO = "https://github.com/cc-jupyter-demo/hello-notebook"
DEMO_KEY = "demo-key-not-a-secret"
DEMO_TOKEN = "demo-token-not-a-secret"
RULES_FILE = Path(".cloudcode") / "simulator-rules.json"  # next to the notebooks, beside their recordings
RULES_LIMIT = 64 * 1024  # bytes: a folder's rules file may come from anyone


def simulator_rules(directory: str | Path = ".") -> list[tuple[str, str]]:
    """The simulator's behaviour for a folder's notebooks: ``(prompt regex, directives)`` pairs
    from its ``.cloudcode/simulator-rules.json``, so that prompts read like real ones."""
    path = Path(directory) / RULES_FILE
    if not os.path.lexists(path):
        return []
    try:
        rules = json.loads(read_untrusted_text(path, limit=RULES_LIMIT, folder=directory)).get("rules", [])
        return [(str(pattern), str(directives)) for pattern, directives in rules[:100]]
    except (ValueError, TypeError, AttributeError, RecursionError) as error:
        reason = str(error) if isinstance(error, Unreadable) else type(error).__name__
        print(f"cloudcode: {RULES_FILE} ignored ({reason}): expected {{\"rules\": [[regex, directives], ...]}}.")
        return []


class DemoMode:
    """Owns an in-process simulator while demo mode is on."""

    def __init__(self) -> None:
        self.simulator: Simulator | None = None
        self.url: str | None = None

    @property
    def on(self) -> bool:
        return self.url is not None

    def start(self) -> str:
        external = demo_url()
        if external:  # a simulator started outside the kernel (tests, binder) is reused
            self.url = external
            return self.url
        if self.simulator is None:
            from ..simulator import Simulator

            self.simulator = Simulator(host="127.0.0.1", port=0, quiet=True, rules=simulator_rules()).start()
        self.url = self.simulator.url
        return self.url

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
        self.simulator = None
        self.url = None

    def settings(self, configured: Settings) -> Settings:
        """``configured`` (repository, branch, recordings) on the simulator, with its key and token
        (where a cell runs when no repository is set: :mod:`.target`)."""
        assert self.url is not None
        return replace(
            configured,
            api_url=self.url,
            api_key=DEMO_KEY,
            github_token=DEMO_TOKEN,
            github_api_url=self.url + "/github",
        )
