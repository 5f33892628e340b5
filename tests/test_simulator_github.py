"""The simulated GitHub REST API: GitHub's shapes from real repositories, tokens and failure modes."""
from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from .simrigs import RiggedSimulator
from .test_simulator import TOKEN, git, stream
from .waiting import wait_until

REPO = "https://github.com/acme/rest"
JSON_UTF8 = "application/json; charset=utf-8"


@pytest.fixture(scope="module")
def sim():
    with RiggedSimulator(pace=0) as s:
        stream(s, "Add a function that loads data/sales.csv\nsim: commits=2", repo_url=REPO, thread_id="t-rest")
        stream(s, "Now make it raise a clear error when the file is missing.", repo_url=REPO, thread_id="t-rest")
        yield s


@pytest.fixture(autouse=True)
def no_failures(sim):
    yield
    for repo in ("acme/rest", "acme/other"):
        sim.github_failure(repo, None)


def call(sim: RiggedSimulator, path: str, token: str | None = TOKEN, scheme: str = "Bearer",
         method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    headers = {"Accept": "application/vnd.github+json"}
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}"
    conn.request(method, "/github" + path, headers=headers)
    resp = conn.getresponse()
    result = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    conn.close()
    return result


def get(sim: RiggedSimulator, path: str, **kwargs: Any) -> Any:
    status, headers, data = call(sim, path, **kwargs)
    assert (status, headers["content-type"]) == (200, JSON_UTF8), data
    return json.loads(data)


def bare(sim: RiggedSimulator) -> str:
    return str(sim.repo_path(REPO))


def test_branch_has_githubs_shape(sim):
    branch = get(sim, "/repos/acme/rest/branches/main")
    sha = git("--git-dir", bare(sim), "rev-parse", "main").strip()
    assert branch["name"] == "main" and branch["protected"] is False
    commit = branch["commit"]
    assert commit["sha"] == sha and commit["html_url"] == f"https://github.com/acme/rest/commit/{sha}"
    assert commit["commit"]["message"] == "load_sales(): clear error on bad input"
    author = commit["commit"]["author"]
    assert author["name"] == git("--git-dir", bare(sim), "log", "-1", "--format=%an", "main").strip()
    assert author["email"] and author["date"].endswith("Z")
    assert commit["parents"][0]["sha"] == git("--git-dir", bare(sim), "rev-parse", "main~1").strip()


def test_compare_matches_git(sim):
    first = git("--git-dir", bare(sim), "rev-list", "--max-parents=0", "main").strip()
    compare = get(sim, f"/repos/acme/rest/compare/{first}...main")
    assert compare["html_url"] == f"https://github.com/acme/rest/compare/{first}...main"
    assert compare["url"].startswith("https://api.github.com/repos/acme/rest/compare/")
    assert (compare["status"], compare["ahead_by"], compare["behind_by"], compare["total_commits"]) == (
        "ahead", 3, 0, 3)
    shas = git("--git-dir", bare(sim), "log", "--reverse", "--format=%H", f"{first}..main").split()
    assert [c["sha"] for c in compare["commits"]] == shas
    assert [c["commit"]["message"] for c in compare["commits"]] == [
        "Add load_sales()", "Test load_sales()", "load_sales(): clear error on bad input"]
    assert compare["commits"][0]["html_url"] == f"https://github.com/acme/rest/commit/{shas[0]}"
    assert set(compare["commits"][0]["commit"]["author"]) == {"name", "email", "date"}

    numstat = {}
    for line in git("--git-dir", bare(sim), "diff", "--numstat", f"{first}...main").splitlines():
        added, deleted, path = line.split("\t")
        numstat[path] = (int(added), int(deleted))
    files = {f["filename"]: f for f in compare["files"]}
    assert {path: (f["additions"], f["deletions"]) for path, f in files.items()} == numstat
    module = files["src/rest/load_sales.py"]
    assert module["status"] == "added" and module["changes"] == module["additions"]
    assert module["patch"].startswith("@@ -0,0 +1,") and "+def load_sales(" in module["patch"]
    assert module["blob_url"] == f"https://github.com/acme/rest/blob/{shas[-1]}/src/rest/load_sales.py"
    assert module["sha"] == git("--git-dir", bare(sim), "rev-parse", "main:src/rest/load_sales.py").strip()


def test_compare_two_dots_modified_identical_and_behind(sim):
    compare = get(sim, "/repos/acme/rest/compare/main~1..main".replace("main~1", git(
        "--git-dir", bare(sim), "rev-parse", "--short", "main~1").strip()))
    assert compare["ahead_by"] == 1 and {f["status"] for f in compare["files"]} == {"modified"}
    patch = next(f for f in compare["files"] if f["filename"] == "src/rest/load_sales.py")["patch"]
    assert patch.startswith("@@ ") and "+        raise FileNotFoundError(" in patch
    assert get(sim, "/repos/acme/rest/compare/main...main")["status"] == "identical"
    first = git("--git-dir", bare(sim), "rev-list", "--max-parents=0", "main").strip()
    behind = get(sim, f"/repos/acme/rest/compare/main...{first}")
    assert (behind["status"], behind["ahead_by"], behind["behind_by"], behind["files"]) == ("behind", 0, 3, [])


def test_tokens(sim):
    status, headers, data = call(sim, "/repos/acme/rest/branches/main", token=None)
    assert (status, json.loads(data)["message"]) == (401, "Requires authentication")
    assert headers["content-type"] == JSON_UTF8
    status, _, data = call(sim, "/repos/acme/rest/branches/main", token="ghp_" + "wrong" * 8)
    assert (status, json.loads(data)) == (401, {"message": "Bad credentials",
                                                "documentation_url": "https://docs.github.com/rest"})
    assert get(sim, "/repos/acme/rest/branches/main", scheme="token")["name"] == "main"
    # A repository first seen through the REST API adopts the first token.
    assert get(sim, "/repos/acme/fresh/branches/main", token="first-token")["name"] == "main"
    assert call(sim, "/repos/acme/fresh/branches/main", token="other-token")[0] == 401
    records = [r for r in sim.request_log() if r["path"].startswith("/github/")]
    assert records[-1] == {**records[-1], "method": "GET", "has_token": True, "status": 401, "outcome": "answered"}
    assert TOKEN not in json.dumps(sim.request_log()) and "first-token" not in json.dumps(sim.request_log())


@pytest.mark.parametrize("path", ["/repos/acme/rest/branches/nope", "/repos/acme/rest/compare/main...nope",
                                 "/repos/acme/rest/compare/deadbeef...main", "/repos/acme/rest/pulls",
                                 "/repos/acme/rest", "/user"])
def test_unknown_is_404(sim, path):
    status, headers, data = call(sim, path)
    assert (status, json.loads(data)) == (404, {"message": "Not Found",
                                                "documentation_url": "https://docs.github.com/rest"})
    assert headers["content-type"] == JSON_UTF8


def test_failure_modes(sim):
    path = "/repos/acme/rest/branches/main"
    sim.github_failure(REPO, "404")
    assert call(sim, path)[0] == 404
    sim.github_failure("acme/rest", "500")
    assert call(sim, path)[0] == 500
    sim.github_failure("acme/rest", "garbage")
    status, _, data = call(sim, path)
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(data)
    sim.github_failure("acme/rest", "ratelimit")
    status, headers, data = call(sim, path)
    assert status == 403 and json.loads(data)["message"].startswith("API rate limit exceeded for ")
    assert (headers["x-ratelimit-limit"], headers["x-ratelimit-remaining"]) == ("60", "0")
    asked = sim.request_log()[-1]  # the reset is 15 minutes after the simulator answered
    assert int(asked["received_at"]) + 15 * 60 <= int(headers["x-ratelimit-reset"]) <= int(asked["ended_at"]) + 15 * 60
    assert call(sim, "/repos/acme/other/branches/main")[0] == 200  # only that repository
    sim.github_failure("acme/rest", None)
    assert call(sim, path)[0] == 200


def test_timeout_mode_holds_the_request_until_the_client_leaves(sim):
    sim.github_failure("acme/rest", "timeout")
    s = socket.create_connection(("127.0.0.1", sim.port), timeout=10)
    s.sendall(b"GET /github/repos/acme/rest/branches/main HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n")
    record = wait_until(lambda: next((r for r in sim.request_log()[::-1] if r["path"].endswith("/rest/branches/main")
                                 and r["outcome"] == "waiting"), None), 5, "the request to be held")
    s.settimeout(0.2)
    with pytest.raises(socket.timeout):
        s.recv(1)  # nothing is answered
    s.close()
    wait_until(lambda: next(r for r in sim.request_log() if r["id"] == record["id"])["outcome"] == "disconnected",
          5, "the client's leaving to be noticed")


def test_timeout_mode_ends_on_stop():
    with RiggedSimulator(pace=0) as s:
        s.github_failure("acme/rest", "timeout")
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        conn.request("GET", "/github/repos/acme/rest/branches/main", headers={"Authorization": "Bearer t"})
        wait_until(lambda: s.request_log() and s.request_log()[-1]["outcome"] == "waiting", 5, "the held request")
        s.stop()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        assert s.request_log()[-1]["outcome"] == "cut"


def test_failure_modes_over_http_and_reset():
    with RiggedSimulator(pace=0) as s:
        def post(payload: Any) -> tuple[int, Any]:
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            conn.request("POST", "/_sim/github-failure", json.dumps(payload))
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())

        assert post({"repo": "https://github.com/acme/rest", "mode": "500"}) == (200, {"ok": True})
        assert call(s, "/repos/acme/rest/branches/main")[0] == 500
        assert post({"repo": "acme/rest", "mode": "sometimes"})[0] == 400
        assert post({"mode": "500"})[0] == 400
        with pytest.raises(ValueError, match="unknown GitHub failure mode"):
            s.github_failure("acme/rest", "flaky")
        s.reset()
        assert call(s, "/repos/acme/rest/branches/main")[0] == 200
