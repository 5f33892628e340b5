"""Validation before any I/O: prompts, URLs, branch, thread id, secrets read from files."""

from __future__ import annotations

import pytest

from cc_jupyter import ConfigurationError, InvalidRequestError
from cc_jupyter.protocol.request import build_request
from cc_jupyter.settings import Settings, env_settings

KEY = "sk-live-" + "k" * 24
TOKEN = "ghp_" + "A1b2" * 9
GOOD = Settings(api_key=KEY, github_token=TOKEN, repo="https://github.com/o/r")


def build(prompt="do it", tasks=None, settings=GOOD, **kw):
    return build_request(prompt, tasks, settings=settings, **kw)


@pytest.mark.parametrize(
    "prompt, tasks, message",
    [
        ("   ", None, "prompt is empty"),
        (None, None, "Nothing to send"),
        ("x", {"a": "y"}, "not both"),
        (None, {}, "non-empty mapping"),
        (None, {" ": "y"}, "task name is empty"),
        (None, {"a": "y", "a ": "z"}, "Duplicate task name 'a'"),
        (None, {"has space": "y"}, "Invalid task name"),
        (None, {"a": "  "}, "prompt of task 'a' is empty"),
    ],
)
def test_invalid_prompts_are_refused_with_a_clear_message(prompt, tasks, message):
    with pytest.raises(InvalidRequestError, match=message):
        build(prompt, tasks)


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://github.com/o/r", "Not a repository the API works on"),
        ("https://", "Not a repository"),
        ("http://[::1", "Not a repository"),
        ("https://github.com:99999/o/r", "Not a repository"),
        ("https://github.com/o/r with space", "Not a repository"),
        ("https://github.com/o/r\x1b]0;x\x07", "Not a repository"),
        ("http://github.com/o/r", r"did you mean -r https://github\.com/o/r\?"),
        ("https://gitlab.com/o/r", "GitHub Enterprise"),
        ("https://example.com/o/r", "nothing was sent"),
        ("https://github.com/o/r/tree/dev", r"did you mean -r https://github\.com/o/r -b dev\?"),
        ("o/r", r"did you mean -r https://github\.com/o/r\?"),
        ("https://github.com/o", "Not a repository"),
        ("https://github.com/o/r?token=x", "Not a repository"),
    ],
)
def test_bad_repository_urls_are_refused(url, words):
    with pytest.raises(InvalidRequestError, match=words):
        build(repo=url)


@pytest.mark.parametrize(
    "written, sent",
    [
        ("https://github.com/o/r", "https://github.com/o/r"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("  https://github.com/o/r/  ", "https://github.com/o/r"),
        ("https://www.github.com/O/R", "https://github.com/O/R"),
        ("git@github.com:o/r.git", "https://github.com/o/r.git"),
        ("ssh://git@github.com/o/r", "https://github.com/o/r"),
    ],
)
def test_github_repository_urls_are_accepted_and_normalised(written, sent):
    assert build(repo=written).repo == sent


def test_the_configured_github_enterprise_host_is_accepted_and_no_other():
    settings = Settings(api_key=KEY, github_token=TOKEN, github_api_url="https://ghe.example.com/api/v3")
    assert build(repo="https://ghe.example.com/team/app", settings=settings).repo == "https://ghe.example.com/team/app"
    assert build(repo="git@ghe.example.com:team/app.git", settings=settings).repo == "https://ghe.example.com/team/app.git"
    for other in ("https://gitlab.com/team/app", "http://ghe.example.com/team/app", "https://evil.example.com/team/app"):
        with pytest.raises(InvalidRequestError, match="GitHub Enterprise"):
            build(repo=other, settings=settings)


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://host:99999", "http://host:-1", "ftp://host", "not a url", "http://"]
)
def test_bad_api_urls_are_refused_before_anything_is_sent(url):
    with pytest.raises(InvalidRequestError, match="API URL"):
        build(api_url=url)


@pytest.mark.parametrize("field", ["repo", "api_url"])
def test_urls_with_credentials_are_refused_without_showing_them(field):
    url = "https://alice:s3cr3t-pass@github.com/o/r"
    with pytest.raises(InvalidRequestError, match="credentials") as caught:
        build(**{field: url})
    assert "s3cr3t-pass" not in str(caught.value) and "****" in str(caught.value)


def test_repo_is_required():
    with pytest.raises(ConfigurationError, match="CLOUDCODE_REPO"):
        build(settings=Settings(api_key=KEY, github_token=TOKEN))


def test_missing_secrets_name_the_environment_variable():
    with pytest.raises(ConfigurationError, match="CLOUDCODE_API_KEY"):
        build(settings=Settings(github_token=TOKEN, repo="https://github.com/o/r"))
    with pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
        build(settings=Settings(api_key=KEY, repo="https://github.com/o/r"))


@pytest.mark.parametrize("raw", [KEY + "\n", KEY + "\r\n", "  " + KEY + "\t", "\ufeff" + KEY])
def test_a_key_read_from_a_file_loses_its_surrounding_whitespace(raw):
    if raw.startswith("\ufeff"):  # a BOM is not whitespace: refused, not quoted
        with pytest.raises(InvalidRequestError) as caught:
            build(api_key=raw)
        assert KEY not in str(caught.value)
        return
    assert build(api_key=raw).api_key == KEY
    assert env_settings({"CLOUDCODE_API_KEY": raw, "GITHUB_TOKEN": TOKEN + "\r\n"}).api_key == KEY


@pytest.mark.parametrize("bad", [KEY[:8] + "\n" + KEY[8:], KEY + "é", KEY[:5] + "\x00" + KEY[5:], KEY[:5] + " " + KEY[5:]])
def test_a_key_that_cannot_be_a_header_is_refused_without_quoting_it(bad):
    for build_it in (lambda: build(api_key=bad), lambda: env_settings({"CLOUDCODE_API_KEY": bad})):
        with pytest.raises(InvalidRequestError, match="cannot be sent") as caught:
            build_it()
        assert KEY[:8] not in str(caught.value) and KEY[8:] not in str(caught.value)


def test_branch_and_thread_id_are_checked():
    for branch in ("", "has space", "-x", "a\x00b", "b" * 300):
        with pytest.raises(InvalidRequestError, match="branch"):
            build(branch=branch or " ")
    for thread in (" ", "a b", "t" * 300, "x\x1b"):
        with pytest.raises(InvalidRequestError, match="thread id"):
            build(thread_id=thread)


def test_environment_fallbacks():
    env = {"CLOUDCODE_API_KEY": KEY, "GH_TOKEN": TOKEN, "CLOUDCODE_REPO": "https://github.com/a/b",
           "CLOUDCODE_BRANCH": "dev", "CLOUDCODE_API_URL": "http://127.0.0.1:9"}
    s = env_settings(env)
    assert (s.api_key, s.github_token, s.repo, s.branch, s.api_url) == (
        KEY, TOKEN, "https://github.com/a/b", "dev", "http://127.0.0.1:9")
    assert build(settings=s).endpoint == "http://127.0.0.1:9/invoke/stdout"
    assert env_settings({}).api_url == "https://api.cloudcoding.ai"
    assert env_settings({"GITHUB_TOKEN": "  ", "GH_TOKEN": TOKEN}).github_token == TOKEN


def test_body_shapes_and_secrets_kept_out_of_reprs_and_preview():
    single = build("hello {x} $y")
    assert single.body(thread_id="t1") == {
        "repo_url": "https://github.com/o/r", "github_token": TOKEN, "branch": "main", "haiku": False,
        "messages": [{"type": "human", "content": "hello {x} $y"}], "thread_id": "t1"}
    parallel = build(None, {"unit-tests": "a", "docs": "b"}, haiku=True)
    body = parallel.body(thread_id=None)
    assert body["parallel_tasks"] == [{"prompt": "a", "task_name": "unit-tests"}, {"prompt": "b", "task_name": "docs"}]
    assert "thread_id" not in body and "messages" not in body and body["haiku"] is True
    for text in (repr(single), repr(parallel), repr(GOOD), single.preview()):
        assert KEY not in text and TOKEN not in text
    assert "…" + KEY[-4:] in single.preview()


def test_configured_settings_win_over_the_environment_and_the_environment_over_defaults():
    from cc_jupyter.settings import resolve

    env = {"CLOUDCODE_REPO": "https://github.com/env/repo", "CLOUDCODE_BRANCH": "env-branch",
           "CLOUDCODE_REPLAY": "never", "CLOUDCODE_API_KEY": KEY, "GITHUB_TOKEN": TOKEN}
    merged = resolve({"repo": "https://github.com/cfg/repo", "branch": None, "replay": ""}, environ=env)
    assert (merged.repo, merged.branch, merged.replay) == ("https://github.com/cfg/repo", "env-branch", "never")
    assert merged.api_url == "https://api.cloudcoding.ai" and merged.record_dir is None
    assert (merged.api_key, merged.github_token) == (KEY, TOKEN)


def test_secrets_from_login_win_over_the_environment_and_are_never_configuration():
    from cc_jupyter.settings import resolve

    login_key = "login-key-" + "7" * 20
    merged = resolve({}, api_key=login_key, environ={"CLOUDCODE_API_KEY": KEY, "GITHUB_TOKEN": TOKEN})
    assert (merged.api_key, merged.github_token) == (login_key, TOKEN)
    with pytest.raises(TypeError, match="github_token"):
        resolve({"github_token": TOKEN}, environ={})


def test_demo_settings_do_not_read_the_environment_secrets_at_all():
    from cc_jupyter.settings import resolve

    unsendable = "key with spaces inside"  # refused when read: demo mode must not read it
    merged = resolve({}, environ={"CLOUDCODE_API_KEY": unsendable, "CLOUDCODE_REPO": GOOD.repo}, with_secrets=False)
    assert (merged.api_key, merged.github_token, merged.repo) == (None, None, GOOD.repo)


def test_where_recordings_go_does_not_depend_on_the_secrets_being_sendable():
    from cc_jupyter.settings import recordings_directory

    environ = {"CLOUDCODE_API_KEY": "key with spaces inside", "CLOUDCODE_RECORD_DIR": "/tmp/runs"}
    assert recordings_directory(None, environ) == "/tmp/runs"
    assert recordings_directory("mine", environ) == "mine"
