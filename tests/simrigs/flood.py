"""Pre-rendered flood bodies: many tiny custom events, built once and written in big blocks."""
from __future__ import annotations

from functools import lru_cache

from cc_jupyter.simulator.stream import encode

from .options import FORMS
from .wire import VariantWire

BLOCK = 64 * 1024
_NUM, _ID = "@@NUM@@", "@@ID@@"


def line_template(task: str, total: int, width: int) -> str:
    """A flood line, its number as ``_NUM``: "[task] line N of TOTAL", or exactly ``width``
    characters (newline included; numbered from 7 characters on)."""
    if not width:
        return f"[{task}] line {_NUM} of {total}\n"
    if width < 7:
        return "." * (width - 1) + "\n"
    return _NUM + "." * (width - 7) + "\n"


@lru_cache(maxsize=2)  # bodies can be tens of MB
def render(wire: VariantWire, start: int, count: int, total: int, tasks: tuple[str, ...], with_task: bool,
           width: int = 0) -> bytes:
    """Events start..start+count-1 of a run (flood numbers 0..count-1) as one SSE byte string."""
    # One %-template per (framing form, task); filling 100k of them is a fast string join.
    templates: dict[tuple[str, int], str] = {}
    forms = FORMS if wire.framing == "mixed" else (wire.framing,)
    for form in forms:
        shaped = VariantWire(form, wire.eol, wire.ids, wire.multiline)
        for t, task in enumerate(tasks):
            stdout = line_template(task, total, width)
            payload = {"task_name": task, "stdout": stdout} if with_task else {"stdout": stdout}
            text = shaped.text(0, "custom", payload, event_id=_ID)
            templates[form, t] = text.replace("%", "%%").replace(_ID, "%d").replace(_NUM, "%06d")
    parts = []
    n_tasks = len(tasks)
    numbered = not width or width >= 7
    for n in range(count):
        tpl = templates[wire.form(start + n), n % n_tasks]
        values = ((start + n + 1,) if wire.ids else ()) + ((n,) if numbered else ())
        parts.append(tpl % values)
    return encode("".join(parts))


def blocks(body: bytes) -> list[bytes]:
    return [body[i:i + BLOCK] for i in range(0, len(body), BLOCK)]
