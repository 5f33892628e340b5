"""Thread-id policies (`thread=`): reject unknown ids, reveal ids, name a thread of the server's own."""
from __future__ import annotations

from cc_jupyter.simulator.extension import Exchange, RunContext
from cc_jupyter.simulator.items import Emit, Item
from cc_jupyter.simulator.state import ThreadStore
from cc_jupyter.simulator.validate import InvokeRequest

from .options import RiggedScenario


def reject_unknown(h: Exchange, rid: int, req: InvokeRequest, sc: RiggedScenario) -> bool:
    """`thread=reject`: a 422 before any event for a thread id never seen."""
    if sc.thread == "reject" and req.thread_id and not h.state.threads.known(req.thread_id):
        h.reject(rid, 422, {"detail": f"Unknown thread_id: {req.thread_id}"})
        return True
    return False


def thread_for(req: InvokeRequest, sc: RiggedScenario, threads: ThreadStore) -> str | None:
    """`thread=server-*`: an unknown client thread id is ignored (a new thread of the server's own)."""
    own = sc.thread.startswith("server") and not (req.thread_id and threads.known(req.thread_id))
    return None if own else req.thread_id


def headers(run: RunContext, sc: RiggedScenario) -> dict[str, str]:
    """`thread=header|server-header`: the thread named in Content-Location."""
    if sc.thread in ("header", "server-header"):
        return {"Content-Location": f"/threads/{run.turn.thread_id}/runs/{run.run_id}"}
    return {}


def metadata(run: RunContext, sc: RiggedScenario) -> list[Item]:
    """The first event, `metadata`, when asked for; it names the thread when a policy reveals it."""
    if not (sc.metadata or sc.thread in ("metadata", "server-metadata")):
        return []
    if sc.thread.startswith("server"):
        reveal: str | None = run.turn.thread_id
    else:
        reveal = run.req.thread_id or (run.turn.thread_id if sc.names_own_thread else None)
    return [Emit("metadata", {"run_id": run.run_id, "thread_id": reveal})]
