"""Loading and unloading the extension: magics, configurable, hooks."""

from __future__ import annotations

from typing import Any

_STATE_KEY = "_cc_jupyter_magics"


def load(ipython: Any) -> None:
    from .magic import CloudCodeMagics

    if getattr(ipython, _STATE_KEY, None) is not None:
        return  # %load_ext twice: keep the session (threads, history) as it is
    magics = CloudCodeMagics(ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics.cfg)
    ipython.events.register("post_run_cell", magics.finish_ended_runs)
    magics.errors.register(ipython)
    setattr(ipython, _STATE_KEY, magics)


def unload(ipython: Any) -> None:
    magics = getattr(ipython, _STATE_KEY, None)
    if magics is None:
        return
    magics.stop_all()
    magics.demo.stop()
    magics.errors.unregister()
    try:
        ipython.events.unregister("post_run_cell", magics.finish_ended_runs)
    except ValueError:
        pass
    if magics.cfg in ipython.configurables:
        ipython.configurables.remove(magics.cfg)
    registry = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        registry[kind].pop("cloudcode", None)
    ipython.magics_manager.registry.pop(type(magics).__name__, None)
    setattr(ipython, _STATE_KEY, None)
