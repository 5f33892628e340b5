"""``github:OWNER/PATTERN``: expanded from the simulator's GitHub (and from a hostile one, a Listener
that records every request) over real sockets; the token never leaves the configured API."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from cc_jupyter.changes.github_repos import MAX_PAGES, MAX_REPOSITORIES, expand_pattern
from cc_jupyter.errors import ConfigurationError, GitHubError, InvalidRequestError
from cc_jupyter.secrets import SecretMasker
from cc_jupyter.simulator import Simulator
from cc_jupyter.simulator.github import give_owner

from .conftest import GITHUB_TOKEN
from .listener import Answer, Listener, json_answer

MASKER = SecretMasker([GITHUB_TOKEN])


def expand(spec: str, api: str | None, token: str = GITHUB_TOKEN, timeout: float = 10.0) -> list[str]:
    return asyncio.run(expand_pattern(spec, token=token, api=api, timeout=timeout, masker=MASKER))


def fails(error: type[Exception], spec: str, api: str | None, **kwargs: Any) -> str:
    with pytest.raises(error) as raised:
        expand(spec, api, **kwargs)
    message = str(raised.value)
    assert GITHUB_TOKEN not in message and "\n" not in message
    return message


def listed(simulator: Simulator, owner: str) -> list[dict[str, Any]]:
    """The simulator's records of listing ``owner``'s repositories."""
    return [r for r in simulator.request_log() if r["path"].lower() in
            (f"/github/orgs/{owner}/repos", f"/github/users/{owner}/repos")]


def repo(name: str, owner: str = "acme", **fields: Any) -> dict[str, Any]:
    return {"name": name, "html_url": f"https://github.com/{owner}/{name}", "archived": False, **fields}


# ----- the simulator's GitHub -----
def test_230_repositories_over_three_pages_sorted_and_asked_with_the_token(simulator):
    names = [f"student-{n:03d}" for n in range(229, -1, -1)]
    give_owner(simulator.git_root, "pattern-big", names, archived=["student-old"])
    urls = expand("github:pattern-big/*", simulator.url + "/github")
    assert urls == [f"https://github.com/pattern-big/student-{n:03d}" for n in range(230)]
    records = listed(simulator, "pattern-big")
    assert [r["path"] for r in records] == ["/github/orgs/pattern-big/repos"] * 3  # 231 at 100 a page
    assert all(r["has_token"] and r["status"] == 200 for r in records)


def test_the_glob_matches_names_ignoring_case_and_skips_archived(simulator):
    give_owner(simulator.git_root, "Pattern-Class", ["Assignment-1-Ana", "assignment-1-ben", "assignment-2-ana",
                                                     "notes"], archived=["assignment-1-gone"])
    api = simulator.url + "/github"
    assert expand("github:pattern-class/assignment-1-*", api) == [
        "https://github.com/Pattern-Class/Assignment-1-Ana", "https://github.com/Pattern-Class/assignment-1-ben"]
    assert expand("github:PATTERN-CLASS/ASSIGNMENT-?-ANA", api) == [
        "https://github.com/Pattern-Class/Assignment-1-Ana", "https://github.com/Pattern-Class/assignment-2-ana"]
    assert expand("github:pattern-class/[!a]*", api) == ["https://github.com/Pattern-Class/notes"]
    assert len(expand("github:pattern-class/*", api)) == 4
    assert expand("github:pattern-class/homework-*", api) == []


def test_repositories_made_by_runs_are_listed_too(simulator):
    simulator.repo_path("https://github.com/pattern-runs/made-by-a-run")
    give_owner(simulator.git_root, "pattern-runs", ["rostered"])
    assert expand("github:pattern-runs/*", simulator.url + "/github") == [
        "https://github.com/pattern-runs/made-by-a-run", "https://github.com/pattern-runs/rostered"]


def test_a_user_is_listed_after_the_organization_404():
    with Simulator(pace=0, quiet=True) as sim:
        give_owner(sim.git_root, "pattern-user", ["dotfiles", "thesis"], user=True)
        assert expand("github:pattern-user/t*", sim.url + "/github") == ["https://github.com/pattern-user/thesis"]
        assert [(r["path"], r["status"]) for r in sim.request_log()] == [
            ("/github/orgs/pattern-user/repos", 404), ("/github/users/pattern-user/repos", 200)]


def test_the_shipped_simulator_lists_the_demo_class():
    with Simulator(pace=0, quiet=True) as sim:  # what demo mode starts: no rigs, no roster given
        urls = expand("github:my-class/assignment-1-*", sim.url + "/github")
    assert urls == [f"https://github.com/my-class/assignment-1-{n}" for n in ("ana", "ben", "caz", "dee", "eli", "fay")]


def test_a_token_github_refuses_is_one_sentence_and_nothing_is_listed(simulator):
    give_owner(simulator.git_root, "pattern-guarded", ["secret-work"])
    api = simulator.url + "/github"
    assert expand("github:pattern-guarded/*", api) == ["https://github.com/pattern-guarded/secret-work"]
    other = "ghp_" + "B" * 36  # never used on this owner: the simulated GitHub answers 401
    message = fails(GitHubError, "github:pattern-guarded/*", api, token=other)
    assert message.startswith("GitHub rejected the token (Bad credentials) listing pattern-guarded's repositories")
    assert other not in message
    assert [r["status"] for r in listed(simulator, "pattern-guarded")] == [200, 401]


def test_an_owner_github_does_not_know_is_one_sentence(simulator):
    message = fails(GitHubError, "github:pattern-nobody/*", simulator.url + "/github")
    assert message.startswith("GitHub knows no organization or user pattern-nobody") and "404" in message
    assert [r["status"] for r in listed(simulator, "pattern-nobody")] == [404, 404]


# ----- what is refused before any request -----
@pytest.fixture(scope="module")
def untouched():
    """A GitHub that no test of this section may reach."""
    with Listener() as github:
        yield github
        assert github.received == []


@pytest.mark.parametrize("spec", [
    "gitlab:acme/*", "github:acme", "github:/x*", "github:acme/", "github:-acme/*", "github:acme-/*",
    "github:ac--me/*", "github:ac_me/*", "github:" + "a" * 40 + "/*", "github:acme/a/b", "github:acme/../x",
    "github:acme/a b", "github:acme/" + "a" * 101, "github:ac\x1b]0;x\x07me/*", "github:acme/x\x00",
    "github:acme/ab\u202ecd", "github:acme/%2e%2e",
])
def test_a_bad_owner_or_pattern_is_refused_with_no_request(spec, untouched):
    message = fails(InvalidRequestError, spec, untouched.url)
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message
    assert untouched.received == []


def test_no_token_or_a_bad_api_url_is_refused_with_no_request(untouched):
    assert "GITHUB_TOKEN" in fails(ConfigurationError, "github:acme/*", untouched.url, token="")
    for api in ("ftp://127.0.0.1/x", "http://user:pw@127.0.0.1:1/api", "http://127.0.0.1:99999/x"):
        fails(InvalidRequestError, "github:acme/*", api)
    assert untouched.received == []


# ----- a hostile or failing GitHub -----
class Scripted:
    """One listener for the tests below, answering as the running test says."""

    def __init__(self, listener: Listener) -> None:
        self.listener, self.url, self.received = listener, listener.url, listener.received
        self.answer: Callable[[str, str], Answer] = lambda method, path: json_answer(200, [])


@pytest.fixture(scope="module")
def scripted():
    box: list[Scripted] = []
    with Listener(lambda method, path: box[0].answer(method, path)) as listener:
        listener._server.handle_error = lambda *args: None  # type: ignore[method-assign]  # clients that hang up
        box.append(Scripted(listener))
        yield box[0]


@pytest.fixture
def github(scripted):
    scripted.received.clear()
    return scripted


def serving(github: Scripted, answer: Callable[[str, str], Answer]) -> Scripted:
    github.answer = answer
    return github


def test_a_next_link_to_another_host_is_not_followed(github, untouched):
    link = f'<{untouched.url}/orgs/acme/repos?page=2>; rel="next"'  # another port of 127.0.0.1
    serving(github, lambda method, path: json_answer(200, [repo("one")], {"Link": link}))
    message = fails(GitHubError, "github:acme/*", github.url)
    assert "not followed" in message and "127.0.0.1" in message
    assert [r.headers["Authorization"] for r in github.received] == [f"Bearer {GITHUB_TOKEN}"]
    assert untouched.received == []  # neither the token nor anything else went there


@pytest.mark.parametrize("link", [
    "https://{host}/orgs/acme/repos?page=2",  # same host and port, another scheme
    "http://x:{token}@{host}/orgs/acme/repos?page=2",  # credentials in the link
    "http://localhost:{port}/orgs/acme/repos?page=2",  # another name for the same machine
    "//evil.example/orgs/acme/repos?page=2",  # scheme-relative
])
def test_a_next_link_off_the_apis_origin_is_an_error(github, link):
    host = github.url.removeprefix("http://")
    target = link.format(host=host, port=host.split(":")[1], token=GITHUB_TOKEN)
    serving(github, lambda method, path: json_answer(200, [repo("one")], {"Link": f'<{target}>; rel="next"'}))
    assert "not followed" in fails(GitHubError, "github:acme/*", github.url)
    assert len(github.received) == 1


def test_relative_and_same_origin_next_links_are_followed_with_the_token(github):
    def answer(method: str, path: str) -> Answer:
        if "page=2" in path:
            return json_answer(200, [repo("b-two")])
        return json_answer(200, [repo("a-one")], {"Link": '</api/v3/organizations/9/repos?page=2>; rel="next"'})

    serving(github, answer)
    assert expand("github:acme/*", github.url + "/api/v3") == [
        "https://github.com/acme/a-one", "https://github.com/acme/b-two"]
    assert [r.path for r in github.received] == [
        "/api/v3/orgs/acme/repos?per_page=100&type=all", "/api/v3/organizations/9/repos?page=2"]
    assert {r.headers["Authorization"] for r in github.received} == {f"Bearer {GITHUB_TOKEN}"}


def test_an_endless_listing_stops_at_the_page_bound(github):
    def endless(method: str, path: str) -> Answer:
        page = int(path.rpartition("page=")[2]) if "&page=" in path else 1
        return json_answer(200, [repo(f"r{page}")], {"Link": f'</orgs/acme/repos?x=1&page={page + 1}>; rel="next"'})

    serving(github, endless)
    assert "more than" in fails(GitHubError, "github:acme/*", github.url)
    assert len(github.received) == MAX_PAGES


def test_a_page_of_too_many_repositories_and_a_circle_of_pages_stop(github):
    serving(github, lambda method, path: json_answer(200, [repo(f"r{n}") for n in range(MAX_REPOSITORIES + 1)]))
    assert f"more than {MAX_REPOSITORIES:,} repositories" in fails(GitHubError, "github:acme/*", github.url)
    same = '</orgs/acme/repos?per_page=100&type=all>; rel="next"'
    serving(github, lambda method, path: json_answer(200, [repo("r")], {"Link": same}))
    assert "lead back" in fails(GitHubError, "github:acme/*", github.url)
    assert len(github.received) == 2  # one page each


def test_hostile_items_are_skipped(github):
    items: list[Any] = [
        "not an object", 7, None, [repo("nested")], {"name": "no-url"},
        repo("ok-one"), repo("OK-two"), repo("ok-one"),  # a repeat is listed once
        repo("ok-archived", archived=True), repo("ok-disabled", disabled=True),
        repo("ok\x1b[2Jclear"), repo("ok/../x"), repo(".."), repo("ok..dots"), repo("ok\u202eevil"),
        repo("ok-" + "x" * 200), repo(GITHUB_TOKEN),
        {**repo("ok-elsewhere"), "html_url": "https://evil.example/acme/ok-elsewhere"},
        {**repo("ok-other-owner"), "html_url": "https://github.com/someone-else/ok-other-owner"},
        {**repo("ok-renamed"), "html_url": "https://github.com/acme/ok-not-the-name"},
        {**repo("ok-http"), "html_url": "http://github.com/acme/ok-http"},
        {**repo("ok-query"), "html_url": "https://github.com/acme/ok-query?x=1"},
        {"name": ["ok-list"], "html_url": "https://github.com/acme/ok-list"},
    ]
    serving(github, lambda method, path: json_answer(200, items))
    assert expand("github:acme/ok*", github.url) == ["https://github.com/acme/ok-one", "https://github.com/acme/OK-two"]


def test_a_github_enterprise_api_gives_its_hosts_urls(github):
    items = [{**repo("svc"), "html_url": "https://127.0.0.1/acme/svc"},
             {**repo("off"), "html_url": "https://ghe.elsewhere.example/acme/off"}]
    serving(github, lambda method, path: json_answer(200, items))
    assert expand("github:acme/*", github.url + "/api/v3") == ["https://127.0.0.1/acme/svc"]


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (401, {"message": "Bad credentials"}, {}, "GitHub rejected the token (Bad credentials) listing acme's repositories"),
    (401, {"message": f"Bad credentials for {GITHUB_TOKEN}"}, {}, "GitHub rejected the token (Bad credentials for ****"),
    (403, {"message": "API rate limit exceeded for 10.0.0.1."}, {"x-ratelimit-remaining": "0",
                                                                 "x-ratelimit-reset": "4102444800"},
     "GitHub's API rate limit is used up until"),
    (403, {"message": "Resource protected by organization SAML enforcement."}, {},
     "GitHub answered 403 (Resource protected by organization SAML enforcement.) listing acme's repositories: "
     "the token may not read them (an organization with SAML single sign-on must authorize it)"),
    (502, {"message": "Server Error"}, {}, "GitHub answered 502 (Server Error) listing acme's repositories"),
])
def test_error_answers_are_one_sentence_naming_the_owner(github, status, body, headers, expected):
    serving(github, lambda method, path: json_answer(status, body, headers))
    message = fails(GitHubError, "github:acme/*", github.url)
    assert message.startswith(expected) and "acme" in message
    assert len(github.received) == 1  # only a 404 tries the user next


@pytest.mark.parametrize(("answer", "expected"), [
    ((200, {"Content-Type": "text/html"}, b"<html>Unicorn!</html>"), "is not JSON"),
    ((200, {}, json.dumps({"message": "a page"}).encode()), "is not a list of repositories"),
    ((200, {}, b"[" * 100_000), "is not JSON"),
    ((200, {}, b"[" + b'"x",' * (2 * 1024 * 1024) + b'"x"]'), "larger than 5 MB"),
])
def test_a_page_that_is_no_list_of_repositories_is_one_sentence(github, answer, expected):
    serving(github, lambda method, path: answer)
    assert expected in fails(GitHubError, "github:acme/*", github.url)


def test_a_silent_github_is_given_up_after_the_timeout(github):
    answered = threading.Event()

    def silent(method: str, path: str) -> Answer:
        answered.wait(30)  # until the client has given up
        return json_answer(200, [])

    serving(github, silent)
    try:
        assert "did not answer within 0.5 s" in fails(GitHubError, "github:acme/*", github.url, timeout=0.5)
    finally:
        answered.set()


def test_nothing_listens():
    with Listener() as github:
        url = github.url
    assert fails(GitHubError, "github:acme/*", url).startswith("could not reach GitHub at 127.0.0.1")
