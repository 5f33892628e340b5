"""Where settings come from when a caller does not pass them: the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_API_URL = "https://api.cloudcoding.ai"
ENDPOINT_PATH = "/invoke/stdout"


def env_settings(environ: dict[str, str] | None = None) -> "Settings":
    """Read ``CLOUDCODE_*``, ``GITHUB_TOKEN``/``GH_TOKEN`` from the environment."""
    env = os.environ if environ is None else environ
    return Settings(
        api_url=env.get("CLOUDCODE_API_URL") or DEFAULT_API_URL,
        api_key=env.get("CLOUDCODE_API_KEY") or None,
        github_token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
        repo=env.get("CLOUDCODE_REPO") or None,
        branch=env.get("CLOUDCODE_BRANCH") or "main",
    )


@dataclass
class Settings:
    """Connection settings; secrets are kept out of the repr."""

    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    repo: str | None = None
    branch: str = "main"

    @property
    def endpoint(self) -> str:
        return self.api_url.rstrip("/") + ENDPOINT_PATH
