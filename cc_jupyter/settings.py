"""Every setting, its default and where it comes from, resolved in one place.

What the user configured (``%config CloudCode.<name>``, a function's arguments) wins over the
environment, which wins over the defaults here; secrets come from ``%cloudcode login`` first,
then the environment, and are never configuration (a key typed into ``%config`` would be saved
in the notebook). This is the only module that reads the environment for cc_jupyter's own
settings; git's child processes get a copy of it without the secrets (``changes.git``).

    CLOUDCODE_API_URL, CLOUDCODE_API_KEY, GITHUB_TOKEN / GH_TOKEN, CLOUDCODE_REPO,
    CLOUDCODE_BRANCH, CLOUDCODE_GITHUB_API_URL, CLOUDCODE_RECORD_DIR, CLOUDCODE_REPLAY,
    CLOUDCODE_IDLE_TIMEOUT, CLOUDCODE_DEMO, CLOUDCODE_DEMO_URL; SSL_CERT_FILE / SSL_CERT_DIR as
    httpx reads them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigurationError, InvalidRequestError
from .secrets import clean_secret

DEFAULT_API_URL = "https://api.cloudcoding.ai"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_BRANCH = "main"
DEFAULT_RECORD_DIR = Path(".cloudcode") / "runs"  # relative to the working directory: next to the notebook
REPLAY_CHOICES = ("auto", "never", "only")

CONNECT_TIMEOUT = 15.0  # seconds to connect to the API
GITHUB_TIMEOUT = 10.0  # seconds for reading from GitHub what a run pushed
HEAD_TIMEOUT = 5.0  # seconds for reading the branch's head before a run starts
DIFF_TIMEOUT = 60.0  # seconds %cloudcode diff waits for GitHub when reading changes again
GIT_TIMEOUT = 60.0  # seconds one git command of %cloudcode pull may take
IDLE_TIMEOUT = 900.0  # seconds without a byte (keep-alives count) before a run is given up (0: never)
REPLAY_SPEED = 10.0  # times faster than recorded
INTERPOLATE_LIMIT = 4000  # characters of one value expanded into a prompt

SECRET_ENVIRONMENT_VARIABLES = ("CLOUDCODE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN")
_TRUE = ("1", "true", "yes", "on")


@dataclass
class Settings:
    """The settings one run uses; secrets are kept out of the repr."""

    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    repo: str | None = None
    branch: str = DEFAULT_BRANCH
    github_api_url: str | None = None  # None: https://api.github.com
    record_dir: str | None = None  # None: recordings only where asked for
    replay: str = "auto"


_CONFIGURABLE = set(Settings.__dataclass_fields__) - {"api_key", "github_token"}


def env_settings(environ: Mapping[str, str] | None = None, *, with_secrets: bool = True) -> Settings:
    """``CLOUDCODE_*`` and ``GITHUB_TOKEN``/``GH_TOKEN`` from the environment (secrets stripped
    of surrounding whitespace; a secret that cannot be sent is refused here, unquoted).
    ``with_secrets=False`` leaves the secrets unread (demo mode never sends them)."""
    env = _env(environ)
    replay = _value(env, "CLOUDCODE_REPLAY").lower()
    return Settings(
        api_url=_value(env, "CLOUDCODE_API_URL") or DEFAULT_API_URL,
        api_key=clean_secret(env.get("CLOUDCODE_API_KEY"), "API key in CLOUDCODE_API_KEY") if with_secrets else None,
        github_token=(
            clean_secret(env.get("GITHUB_TOKEN"), "GitHub token in GITHUB_TOKEN")
            or clean_secret(env.get("GH_TOKEN"), "GitHub token in GH_TOKEN")
        ) if with_secrets else None,
        repo=_value(env, "CLOUDCODE_REPO") or None,
        branch=_value(env, "CLOUDCODE_BRANCH") or DEFAULT_BRANCH,
        github_api_url=_value(env, "CLOUDCODE_GITHUB_API_URL") or None,
        record_dir=_value(env, "CLOUDCODE_RECORD_DIR") or None,
        replay=replay if replay in REPLAY_CHOICES else "auto",
    )


def resolve(
    configured: Mapping[str, str | None],
    *,
    api_key: str | None = None,
    github_token: str | None = None,
    environ: Mapping[str, str] | None = None,
    with_secrets: bool = True,
) -> Settings:
    """The effective settings: each non-empty ``configured`` value (by :class:`Settings` field
    name) over the environment; the given secrets over the environment's (``with_secrets=False``:
    the environment's are not read)."""
    env = env_settings(environ, with_secrets=with_secrets)
    chosen = {name: value for name, value in configured.items() if value}
    unknown = set(chosen) - _CONFIGURABLE
    if unknown:  # a secret included: secrets are never configuration
        raise TypeError(f"not settings to configure: {', '.join(sorted(unknown))}")
    merged = Settings(**{**env.__dict__, **chosen})
    merged.api_key = api_key or env.api_key
    merged.github_token = github_token or env.github_token
    return merged


def idle_timeout_setting(configured: float | None = None, environ: Mapping[str, str] | None = None) -> float:
    """Seconds without a byte from the API before a run is given up (0: never): ``configured``,
    else ``CLOUDCODE_IDLE_TIMEOUT``, else 900. A value that is not a number of seconds ≥ 0 is
    refused with a sentence naming where it came from (read at each call: ``%env`` changes it)."""
    if configured is not None:
        return _seconds(configured, "idle_timeout", InvalidRequestError)
    text = _value(_env(environ), "CLOUDCODE_IDLE_TIMEOUT")
    if not text:
        return IDLE_TIMEOUT
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    return _seconds(number, "CLOUDCODE_IDLE_TIMEOUT", ConfigurationError, shown=text)


def recordings_directory(configured: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Where a kernel's recordings go: ``configured``, else ``CLOUDCODE_RECORD_DIR``, else
    ``.cloudcode/runs`` next to the notebook."""
    return configured or env_settings(environ, with_secrets=False).record_dir or str(DEFAULT_RECORD_DIR)


def environment_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret values set in the environment (each stripped), to be masked."""
    env = _env(environ)
    return [value.strip() for name in SECRET_ENVIRONMENT_VARIABLES if (value := env.get(name, "")).strip()]


def demo_requested(environ: Mapping[str, str] | None = None) -> bool:
    """``CLOUDCODE_DEMO`` asks for demo mode when the extension loads."""
    return _value(_env(environ), "CLOUDCODE_DEMO").lower() in _TRUE


def demo_url(environ: Mapping[str, str] | None = None) -> str | None:
    """A simulator started outside the kernel (``CLOUDCODE_DEMO_URL``: tests, Binder), if any."""
    return _value(_env(environ), "CLOUDCODE_DEMO_URL").rstrip("/") or None


def certificate_locations(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """``SSL_CERT_FILE`` and ``SSL_CERT_DIR``, as httpx's default verification reads them."""
    env = _env(environ)
    return env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None


def has_display(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a desktop browser can be opened (a display, or a ``BROWSER`` to use)."""
    env = _env(environ)
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("BROWSER"))


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _seconds(value: object, name: str, error: type[Exception], *, shown: str | None = None) -> float:
    """``value`` as a finite number of seconds ≥ 0, or ``error`` naming ``name``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    said = shown if shown is not None else str(value)
    raise error(
        f"{name} must be the seconds to wait for a byte from the API before giving a run up, a number "
        f"≥ 0 (0 = never; default {IDLE_TIMEOUT:g}), not {said[:40]!r}: fix or unset it."
    )


def _value(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()
