"""Settings users change with ``%config CloudCode.<name> = ...`` or ``ipython_config.py``.

Secrets are deliberately not traits: a key typed into ``%config`` would be saved in the
notebook. They come from the environment or ``%cloudcode login``.
"""

from __future__ import annotations

import os

from traitlets import Bool, Enum, Float, Int, Unicode
from traitlets.config import Configurable

from ..recordings.recorder import DEFAULT_DIRECTORY

REPLAY_CHOICES = ("auto", "never", "only")


class CloudCode(Configurable):
    """cc_jupyter settings; empty values fall back to the environment variables."""

    api_url = Unicode("", help="Base URL of the API (falls back to CLOUDCODE_API_URL).").tag(config=True)
    repo = Unicode("", help="Default repository URL (falls back to CLOUDCODE_REPO).").tag(config=True)
    branch = Unicode("", help="Default branch (falls back to CLOUDCODE_BRANCH, then 'main').").tag(config=True)
    haiku = Bool(False, help="Use the Haiku model by default.").tag(config=True)
    text = Bool(False, help="Render runs as plain text instead of widgets.").tag(config=True)
    idle_timeout = Float(
        0.0,
        help="Give up when no event arrived for this many seconds (0 = never; runs think for minutes; "
        "keep-alive pings do not count).",
    ).tag(config=True)
    connect_timeout = Float(15.0, help="Seconds to wait for the connection to the API.").tag(config=True)
    github_api_url = Unicode(
        "", help="GitHub's REST API, to read what runs pushed (falls back to CLOUDCODE_GITHUB_API_URL, then "
        "https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise)."
    ).tag(config=True)
    github_timeout = Float(10.0, help="Seconds to wait for GitHub when reading what a run pushed.").tag(config=True)
    record = Bool(True, help="Write every run to a recording as it streams.").tag(config=True)
    record_dir = Unicode(
        "", help="Where recordings go (falls back to CLOUDCODE_RECORD_DIR, then .cloudcode/runs next to the notebook)."
    ).tag(config=True)
    replay = Enum(
        ("", *REPLAY_CHOICES),
        default_value="",
        help="auto: replay a cell when a recording matches it; never: always call the API; only: never call it "
        "(falls back to CLOUDCODE_REPLAY, then auto).",
    ).tag(config=True)
    interpolate = Bool(
        False, help="Expand {name} in every cell's prompt, as -i does (In, Out, Err too); off: prompts are sent verbatim."
    ).tag(config=True)
    interpolate_limit = Int(4000, help="Characters of one expanded value (more are clipped, saying how many).").tag(
        config=True
    )
    replay_speed = Float(
        10.0, help="How many times faster than recorded a replay plays (0 = at once); silences are cut to 1 s."
    ).tag(config=True)

    def replay_mode(self) -> str:
        if self.replay:
            return str(self.replay)
        from_environment = os.environ.get("CLOUDCODE_REPLAY", "").strip().lower()
        return from_environment if from_environment in REPLAY_CHOICES else "auto"

    def recordings_directory(self) -> str:
        return self.record_dir or os.environ.get("CLOUDCODE_RECORD_DIR", "").strip() or str(DEFAULT_DIRECTORY)
