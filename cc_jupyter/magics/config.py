"""Settings users change with ``%config CloudCode.<name> = ...`` or ``ipython_config.py``.

Secrets are deliberately not traits: a key typed into ``%config`` would be saved in the
notebook. They come from the environment or ``%cloudcode login``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from traitlets import Bool, Enum, Float, HasTraits, Int, Unicode
from traitlets.config import Configurable

from .. import settings as defaults
from ..settings import REPLAY_CHOICES

if TYPE_CHECKING:
    from typing import TypeAlias

    _Float: TypeAlias = Float[float, "float | int | None"]
else:
    _Float = Float  # subscripted only where traitlets is generic (5.10 on), the lowest supported is not


class Seconds(_Float):
    """``CloudCode.idle_timeout``: reads as the configured seconds or, while none are configured
    (None), as ``CLOUDCODE_IDLE_TIMEOUT`` at that moment, else the default; a bad value in the
    variable raises the :class:`~cc_jupyter.ConfigurationError` that names it."""

    def get(self, obj: HasTraits, cls: type[Any] | None = None) -> float:
        configured = super().get(obj, cls)
        return defaults.idle_timeout_setting(configured)


class CloudCode(Configurable):
    """cc_jupyter settings; empty values fall back to the environment variables."""

    api_url = Unicode("", help="Base URL of the API (falls back to CLOUDCODE_API_URL).").tag(config=True)
    repo = Unicode("", help="Default repository URL (falls back to CLOUDCODE_REPO).").tag(config=True)
    branch = Unicode("", help="Default branch (falls back to CLOUDCODE_BRANCH, then 'main').").tag(config=True)
    haiku = Bool(False, help="Use the Haiku model by default.").tag(config=True)
    text = Bool(False, help="Render runs as plain text instead of widgets.").tag(config=True)
    idle_timeout = Seconds(
        None,
        allow_none=True,
        min=0.0,
        help=f"Close the connection and end the run disconnected when no byte arrived for this many seconds "
        f"(0 = never; falls back to CLOUDCODE_IDLE_TIMEOUT, then {defaults.IDLE_TIMEOUT:g}). Keep-alive pings "
        "count: a quiet agent on a live connection is never cut.",
    ).tag(config=True)
    max_concurrent_runs = Int(
        4, min=1, help="With %%cloudcode --across: at most this many runs stream at once (--max-concurrent N for one cell)."
    ).tag(config=True)
    connect_timeout = Float(defaults.CONNECT_TIMEOUT, help="Seconds to wait for the connection to the API.").tag(config=True)
    github_api_url = Unicode(
        "", help="GitHub's REST API, to read what runs pushed (falls back to CLOUDCODE_GITHUB_API_URL, then "
        "https://api.github.com; for GitHub Enterprise: https://HOST/api/v3)."
    ).tag(config=True)
    github_timeout = Float(defaults.GITHUB_TIMEOUT, help="Seconds to wait for GitHub when reading what a run pushed.").tag(config=True)
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
    interpolate_limit = Int(defaults.INTERPOLATE_LIMIT, help="Characters of one expanded value (more are clipped, saying how many).").tag(
        config=True
    )
    replay_speed = Float(
        defaults.REPLAY_SPEED, help="How many times faster than recorded a replay plays (0 = at once); silences are cut to 1 s."
    ).tag(config=True)

    def configured(self) -> dict[str, str | None]:
        """The settings given here, by :class:`~cc_jupyter.settings.Settings` field name (empty: not given)."""
        names = ("api_url", "repo", "branch", "github_api_url", "record_dir", "replay")
        return {name: str(getattr(self, name)) or None for name in names}
