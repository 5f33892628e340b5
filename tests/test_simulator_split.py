"""The split: the wheel's simulator holds no test rig, the rigs come only through its extension
point (tests/simrigs), and docs/simulator.md describes each part in its own section."""
from __future__ import annotations

import ast
import dataclasses
import http.client
import json
import re
from pathlib import Path

import pytest

import cc_jupyter.simulator
from cc_jupyter.simulator import Simulator
from cc_jupyter.simulator.__main__ import build_parser
from cc_jupyter.simulator.scenario import OPTIONS, Scenario

from .simrigs import RiggedSimulator
from .simrigs.options import RIG_OPTIONS, RiggedScenario
from .simrigs.rigs import Rigs
from .test_simulator import ROOT, body, git, post, stream

SHIPPED = Path(cc_jupyter.simulator.__file__).parent
DOCS = (ROOT / "docs" / "simulator.md").read_text()
RIG_ROUTES = {"/_sim/reset", "/_sim/release", "/_sim/github-failure"}
# Rig directives that are also ordinary words of the shipped code, never read from a scenario there:
# message and record ids, the protocol's stdout field and git's, stream.wait, the "cut" outcome of a
# stream the simulator stops, "the end", local names, the commits the agent makes and their push.
ORDINARY = {"id", "stdout", "wait", "cut", "end", "names", "width", "thread", "empty", "commits", "push"}
DISTINCTIVE = RIG_OPTIONS.keys() - ORDINARY
# Names in the rigs' own code (as identifiers), and a valid value for every rig directive.
RIG_NAMES = {"Gates", "GithubFailures", "github_failures", "github_failure", "wait_held", "release", "Hold",
             "Flood", "Raw", "Bare", "Split", "hostile_items", "simrigs", "Rigs", "RigPlayer", "VariantWire",
             # moved out of the wheel: FastAPI's error lists, kinds, commit variants, tokens, message history
             "validation", "summarize", "Aggregate", "AGGREGATES", "RIG_KINDS", "Appended", "CHANGELOG",
             "PullRequests", "pull_number", "next_pull_number", "Tokens", "remember_token", "accepts", "History"}
# Text that only the rigs' code says (FastAPI's error types, other formats, aggregates, PRs, tokens).
RIG_TEXT = ("string_type", "json_invalid", "model_attributes_type", "json.load", "delimiter", "statistics.",
            "Changelog", "Pull request", "Bad credentials", "Requires authentication")
SAMPLES = {"commits": "2", "push": "none", "push_branch": "elsewhere", "pr": True, "framing": "B", "crlf": True, "cr": True, "bom": True, "ping": "0", "wrap": True, "id": True,
           "multiline": True, "metadata": True, "end": True, "history": True, "notask": True, "stdout": "plain",
           "nonsse": True, "cut": "1", "silence": "0", "huge": "10", "badutf8": True, "result_error": True,
           "auth": True, "leak": True, "thread": "accept", "wait": "0", "flood": "1", "width": "10",
           "hold": "split-gate", "empty": True, "deep": "1", "retry": "1", "names": "1", "bigid": "1",
           "leak_escaped": True}


def directive(name: str) -> str:
    value = SAMPLES[name]
    return f"sim: {name}" if value is True else f"sim: {name}={value}"


def status_of(sim: Simulator, prompt: str) -> tuple[int, bytes]:
    """The status of a run, and its body unless it is a stream (streams are left unread)."""
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    try:
        conn.request("POST", "/invoke/stdout", json.dumps(body(prompt)), {"x-api-key": "k"})
        resp = conn.getresponse()
        return resp.status, b"" if resp.getheader("content-type", "").startswith("text/event") else resp.read()
    finally:
        conn.close()


def section(title: str) -> str:
    """A `## ` section of docs/simulator.md."""
    return DOCS.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_directive_tables_are_disjoint_and_match_their_scenarios():
    assert SAMPLES.keys() == RIG_OPTIONS.keys() and not OPTIONS.keys() & RIG_OPTIONS.keys()
    assert list(OPTIONS) == [f.name for f in dataclasses.fields(Scenario)]
    own = [f.name for f in dataclasses.fields(RiggedScenario)][len(OPTIONS):]
    assert own == list(RIG_OPTIONS)
    assert Rigs.options is RIG_OPTIONS and Rigs.scenario is RiggedScenario


@pytest.mark.parametrize("path", sorted(SHIPPED.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_of_the_wheel_holds_a_rig(path):
    tree = ast.parse(path.read_text())
    docstring = _docstring(tree)  # the module's: it may say where the rigs are
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node is not docstring:
            words = set(re.findall(r"[A-Za-z_]\w*", node.value))
            assert not words & DISTINCTIVE and node.value not in RIG_ROUTES, (path.name, node.lineno, node.value)
            assert not any(text in node.value for text in RIG_TEXT), (path.name, node.lineno, node.value)
        names = {getattr(node, attr, None) for attr in ("id", "attr", "name", "arg")}
        assert not names & (DISTINCTIVE | RIG_NAMES), (path.name, getattr(node, "lineno", None), names)
        if isinstance(node, ast.Attribute) and node.attr in ORDINARY:
            owner = node.value
            read_from = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            assert read_from != "sc", (path.name, node.lineno, f"reads sc.{node.attr}")


def _docstring(tree: ast.Module) -> ast.AST | None:
    first = tree.body[0] if tree.body else None
    return first.value if isinstance(first, ast.Expr) else None


def test_a_rig_directive_is_a_422_without_the_rigs_and_honoured_with_them():
    with Simulator(pace=0, quiet=True) as shipped, RiggedSimulator(pace=0, quiet=True) as rigged:
        rigged.release("split-gate")  # a latch: the hold passes at once
        for name in RIG_OPTIONS:
            status, data = status_of(shipped, f"x\n{directive(name)}")
            assert (status, json.loads(data)) == (422, {"detail": f"Unknown sim directive: {name}"}), name
            assert status_of(rigged, f"x\n{directive(name)}")[0] == 200, name
        for path in RIG_ROUTES:
            conn = http.client.HTTPConnection("127.0.0.1", shipped.port, timeout=10)
            conn.request("POST", path, b"{}")
            assert conn.getresponse().status == 404, path
            conn.close()
        for name in ("reset", "release", "wait_held", "github_failure"):
            assert not hasattr(shipped, name) and callable(getattr(rigged, name))


def test_what_the_rigs_change_is_plain_in_the_wheel():
    """A malformed body: one sentence (the rigs: FastAPI's error list); a GitHub call: no token needed (the
    rigs: one a run used); a JSON or an aggregate prompt: the shipped kinds (the rigs: their own)."""
    with Simulator(pace=0, quiet=True) as shipped, RiggedSimulator(pace=0, quiet=True) as rigged:
        bad = {**body("x"), "messages": []}
        assert post(shipped, bad)[2] == b'{"detail": "messages must be a non-empty list of objects"}'
        assert json.loads(post(rigged, bad)[2])["detail"][0]["type"] == "too_short"
        for sim in (shipped, rigged):
            stream(sim, "Parse settings.json", repo_url="https://github.com/acme/kinds")
            stream(sim, "Compute the average order value", repo_url="https://github.com/acme/kinds")
        files = {sim: git("--git-dir", str(sim.repo_path("acme/kinds")), "ls-tree", "-r", "--name-only", "main")
                 for sim in (shipped, rigged)}
        assert "src/kinds/parse_settings.py" in files[shipped] and "compute_average_order.py" in files[shipped]
        assert "src/kinds/parse_settings.py" in files[rigged] and "average_order_value.py" in files[rigged]
        assert "csv.DictReader" in git("--git-dir", str(shipped.repo_path("acme/kinds")), "show",
                                       "main~1:src/kinds/parse_settings.py")
        for sim, status in ((shipped, 200), (rigged, 401)):
            conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
            conn.request("GET", "/github/repos/acme/kinds/branches/main")
            assert conn.getresponse().status == status
            conn.close()


def test_the_shipped_cli_lists_only_shipped_directives():
    listed = re.findall(r"^  (\w+) ", build_parser(OPTIONS).format_help().split("Directives", 1)[1], re.M)
    assert listed == list(OPTIONS)


def test_the_docs_list_each_directive_and_endpoint_in_its_part():
    shipped, rigs = section("Shipped"), section("Test rigs (tests/simrigs)")
    def row(name: str, text: str) -> bool:
        return re.search(rf"^\| `(thread=)?{name}\b", text, re.M) is not None

    for name in OPTIONS:
        assert row(name, shipped) and not row(name, rigs), name
    for name in RIG_OPTIONS:
        assert row(name, rigs) and not row(name, shipped), name
    for endpoint in ("POST /invoke/stdout", "GET /github/repos/{owner}/{repo}/branches/{branch}",
                     "GET /github/repos/{owner}/{repo}/compare/", "GET /_sim/health", "GET /_sim/requests"):
        assert endpoint in shipped, endpoint
    for endpoint in RIG_ROUTES:
        assert f"POST {endpoint}" in rigs and endpoint not in shipped, endpoint
    assert "docs/simulator.md" in (cc_jupyter.simulator.__doc__ or "")
