"""Loading and unloading the extension: magics, configurable, hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

_STATE_KEY = "_cc_jupyter_magics"


def load(ipython: InteractiveShell) -> None:
    from .magic import CloudCodeMagics

    if getattr(ipython, _STATE_KEY, None) is not None:
        return  # %load_ext twice: keep the session (threads, history) as it is
    magics = CloudCodeMagics(ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics.cfg)  # type: ignore[arg-type]  # IPython infers list[InteractiveShell] from [self]
    ipython.events.register("post_run_cell", magics.finish_ended_runs)
    magics.errors.register(ipython)
    setattr(ipython, _STATE_KEY, magics)


def unload(ipython: InteractiveShell) -> None:
    magics = getattr(ipython, _STATE_KEY, None)
    if magics is None:
        return
    magics.stop_all()
    magics.demo.stop()
    from ..client.loop import background

    background.stop()  # after the runs: their transcripts are in place
    magics.errors.unregister()
    try:
        ipython.events.unregister("post_run_cell", magics.finish_ended_runs)
    except ValueError:
        pass
    if magics.cfg in ipython.configurables:
        ipython.configurables.remove(magics.cfg)
    manager = ipython.magics_manager
    assert manager is not None  # a traitlet that allows None; load() registered the magics through it
    registry = manager.magics
    for kind in ("line", "cell"):
        registry[kind].pop("cloudcode", None)
    manager.registry.pop(type(magics).__name__, None)
    setattr(ipython, _STATE_KEY, None)
