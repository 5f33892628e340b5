"""Demo mode: the bundled simulator on loopback stands in for the API, no key needed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..protocol.settings import Settings, env_settings

DEMO_REPO = "https://github.com/cc-jupyter-demo/hello-notebook"
DEMO_KEY = "demo-key-not-a-secret"
DEMO_TOKEN = "demo-token-not-a-secret"
RULES_FILE = Path(".cloudcode") / "simulator-rules.json"  # next to the notebooks, beside their recordings


def simulator_rules(directory: str | Path = ".") -> list[tuple[str, str]]:
    """The simulator's behaviour for a folder's notebooks: ``(prompt regex, directives)`` pairs
    from its ``.cloudcode/simulator-rules.json``, so that prompts read like real ones."""
    path = Path(directory) / RULES_FILE
    try:
        rules = json.loads(path.read_text(encoding="utf-8")).get("rules", [])
        return [(str(pattern), str(directives)) for pattern, directives in rules]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, AttributeError) as error:
        print(f"cloudcode: {path} ignored ({type(error).__name__}): expected {{\"rules\": [[regex, directives], ...]}}.")
        return []


class DemoMode:
    """Owns an in-process simulator while demo mode is on."""

    def __init__(self) -> None:
        self.simulator: Any = None
        self.url: str | None = None

    @property
    def on(self) -> bool:
        return self.url is not None

    def start(self) -> str:
        external = os.environ.get("CLOUDCODE_DEMO_URL")
        if external:  # a simulator started outside the kernel (tests, binder) is reused
            self.url = external.rstrip("/")
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

    def settings(self, repo: str | None, branch: str | None) -> Settings:
        assert self.url is not None
        env = env_settings({k: v for k, v in os.environ.items() if k.startswith(("CLOUDCODE_REPO", "CLOUDCODE_BRANCH"))})
        return Settings(
            api_url=self.url,
            api_key=DEMO_KEY,
            github_token=DEMO_TOKEN,
            repo=repo or env.repo or DEMO_REPO,
            branch=branch or env.branch,
            github_api_url=self.url + "/github",
        )


def demo_requested_by_environment() -> bool:
    return os.environ.get("CLOUDCODE_DEMO", "").strip().lower() in ("1", "true", "yes", "on")
