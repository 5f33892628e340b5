"""What a widget sends to the frontend, for view tests."""

from __future__ import annotations


def watch(widget) -> list[str]:
    """Every ``value`` the widget is given from now on: what is sent to the frontend."""
    seen: list[str] = []
    widget.observe(lambda change: seen.append(change["new"]), names="value")
    return seen
