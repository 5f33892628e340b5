"""A loopback simulator of the Cloud Coding API (``POST /invoke/stdout``, SSE over chunked HTTP/1.1),
with a simulated GitHub backed by real git repositories; it shares no code with the rest of
``cc_jupyter``, only the protocol.

``python -m cc_jupyter.simulator --port 0``, or in-process ``with Simulator(pace=0) as sim:``
(``sim.url``, ``sim.request_log()``, ``sim.repo_path(url)``). Its endpoints, directives and
extension point are described in docs/simulator.md; the test rigs are in tests/simrigs.
"""
from .extension import Extension
from .server import Simulator

__all__ = ["Extension", "Simulator"]
