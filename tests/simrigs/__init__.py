"""Test rigs for cc_jupyter's simulator: hostile input, wire variants, failures, gates, commit
variants, FastAPI-shaped 422s, more kinds of function, GitHub tokens and failure modes, and the
reset/release controls, added through the simulator's extension point
(cc_jupyter.simulator.extension). None of it ships: docs/simulator.md describes both parts.

    from tests.simrigs import RiggedSimulator
    with RiggedSimulator(pace=0) as sim:      # the Simulator's arguments
        sim.wait_held("g", 5); sim.release("g"); sim.github_failure("acme/x", "500"); sim.reset()

``python -m tests.simrigs`` is the simulator's CLI with the rigs.
"""
from .rigs import Rigs
from .simulator import RiggedSimulator

__all__ = ["RiggedSimulator", "Rigs"]
