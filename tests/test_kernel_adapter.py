"""The Stop button's one use of ipykernel internals: patched on the checked versions, left alone elsewhere."""

from __future__ import annotations

from cc_jupyter.views.kernel_adapter import answer_while_busy, ipykernel_version


class _Comm:
    """A comm as ipykernel 7 makes it: incoming messages routed by ``_reply_subshell_for``."""

    def _reply_subshell_for(self, data: object, default: str | None) -> str | None:
        return "main-shell"


class _Widget:
    def __init__(self, comm: object | None) -> None:
        self.comm = comm


def test_on_a_checked_ipykernel_the_widget_answers_on_the_subshell_its_message_came_on():
    widget = _Widget(_Comm())
    assert answer_while_busy(widget, (7, 4, 0)) is True
    assert widget.comm._reply_subshell_for({}, "subshell-1") == "subshell-1"


def test_on_an_unchecked_ipykernel_nothing_is_patched():
    for version in ((6, 29, 5), (8, 0, 0)):
        widget = _Widget(_Comm())
        assert answer_while_busy(widget, version) is False
        assert widget.comm._reply_subshell_for({}, "subshell-1") == "main-shell"


def test_a_comm_without_the_routing_hook_is_left_alone():
    assert answer_while_busy(_Widget(object()), (7, 4, 0)) is False
    assert answer_while_busy(_Widget(None), (7, 4, 0)) is False


def test_the_installed_ipykernel_version_is_read_as_numbers():
    found = ipykernel_version()
    assert found is not None and len(found) >= 2 and all(isinstance(n, int) for n in found)


def test_a_live_view_on_an_unchecked_kernel_tells_how_to_stop(monkeypatch):
    from cc_jupyter.protocol.request import build_request
    from cc_jupyter.run.state import Run
    from cc_jupyter.settings import Settings
    from cc_jupyter.views import kernel_adapter
    from cc_jupyter.views.widget import LiveView

    monkeypatch.setattr(kernel_adapter, "ipykernel_version", lambda: (6, 29, 5))
    settings = Settings(api_key="k" * 12, github_token="ghp_" + "x" * 36, repo="https://github.com/o/r")
    view = LiveView(Run(build_request("hi", None, settings=settings)), on_stop=lambda: None)
    button = view.widget.children[0].children[1]
    assert button.description == "Stop" and "Kernel → Interrupt" in button.tooltip


def test_a_pre_release_version_is_read_up_to_its_release_numbers(monkeypatch):
    from cc_jupyter.views import kernel_adapter

    for text, expected in (("7.0.0rc1", (7, 0, 0)), ("8.0a1", (8, 0)), ("dev", None)):
        monkeypatch.setattr(kernel_adapter, "version", lambda name, text=text: text)
        assert ipykernel_version() == expected
