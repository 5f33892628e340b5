"""Where settings come from when a caller does not pass them: the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..secrets import clean_secret

DEFAULT_API_URL = "https://api.cloudcoding.ai"
DEFAULT_BRANCH = "main"
INVOKE_PATH = "/invoke/stdout"


@dataclass
class Settings:
    """Connection settings; secrets are kept out of the repr."""

    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    repo: str | None = None
    branch: str = DEFAULT_BRANCH
    github_api_url: str | None = None  # None: derived from the repository's host


def env_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """``CLOUDCODE_*`` and ``GITHUB_TOKEN``/``GH_TOKEN`` from the environment (secrets stripped
    of surrounding whitespace; a secret that cannot be sent is refused here, unquoted)."""
    env = os.environ if environ is None else environ
    return Settings(
        api_url=(env.get("CLOUDCODE_API_URL") or "").strip() or DEFAULT_API_URL,
        api_key=clean_secret(env.get("CLOUDCODE_API_KEY"), "API key in CLOUDCODE_API_KEY"),
        github_token=clean_secret(env.get("GITHUB_TOKEN"), "GitHub token in GITHUB_TOKEN")
        or clean_secret(env.get("GH_TOKEN"), "GitHub token in GH_TOKEN"),
        repo=(env.get("CLOUDCODE_REPO") or "").strip() or None,
        branch=(env.get("CLOUDCODE_BRANCH") or "").strip() or DEFAULT_BRANCH,
        github_api_url=(env.get("CLOUDCODE_GITHUB_API_URL") or "").strip() or None,
    )
