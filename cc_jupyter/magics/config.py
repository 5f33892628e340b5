"""Settings users change with ``%config CloudCode.<name> = ...`` or ``ipython_config.py``.

Secrets are deliberately not traits: a key typed into ``%config`` would be saved in the
notebook. They come from the environment or ``%cloudcode login``.
"""

from __future__ import annotations

from traitlets import Bool, Float, Unicode
from traitlets.config import Configurable


class CloudCode(Configurable):
    """cc_jupyter settings; empty values fall back to the environment variables."""

    api_url = Unicode("", help="Base URL of the API (falls back to CLOUDCODE_API_URL).").tag(config=True)
    repo = Unicode("", help="Default repository URL (falls back to CLOUDCODE_REPO).").tag(config=True)
    branch = Unicode("", help="Default branch (falls back to CLOUDCODE_BRANCH, then 'main').").tag(config=True)
    haiku = Bool(False, help="Use the Haiku model by default.").tag(config=True)
    text = Bool(False, help="Render runs as plain text instead of widgets.").tag(config=True)
    idle_timeout = Float(
        0.0, help="Give up on a stream silent for this many seconds (0 = never; runs think for minutes)."
    ).tag(config=True)
    connect_timeout = Float(15.0, help="Seconds to wait for the connection to the API.").tag(config=True)
