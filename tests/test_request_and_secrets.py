"""Validation before any I/O, and secret masking (unit level)."""

from __future__ import annotations

import pytest

from cc_jupyter import ConfigurationError, InvalidRequestError
from cc_jupyter.client.request import build_request
from cc_jupyter.client.settings import Settings, env_settings
from cc_jupyter.secrets import SecretMasker, mask_hint

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


def test_repo_must_be_an_http_url_and_is_required():
    with pytest.raises(InvalidRequestError, match="http"):
        build(repo="git@github.com:o/r.git")
    with pytest.raises(ConfigurationError, match="CLOUDCODE_REPO"):
        build(settings=Settings(api_key=KEY, github_token=TOKEN))


def test_missing_secrets_name_the_environment_variable():
    with pytest.raises(ConfigurationError, match="CLOUDCODE_API_KEY"):
        build(settings=Settings(github_token=TOKEN, repo="https://github.com/o/r"))
    with pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
        build(settings=Settings(api_key=KEY, repo="https://github.com/o/r"))


def test_environment_fallbacks(monkeypatch):
    env = {"CLOUDCODE_API_KEY": KEY, "GH_TOKEN": TOKEN, "CLOUDCODE_REPO": "https://github.com/a/b",
           "CLOUDCODE_BRANCH": "dev", "CLOUDCODE_API_URL": "http://127.0.0.1:9"}
    s = env_settings(env)
    assert (s.api_key, s.github_token, s.repo, s.branch, s.endpoint) == (
        KEY, TOKEN, "https://github.com/a/b", "dev", "http://127.0.0.1:9/invoke/stdout")
    assert env_settings({}).api_url == "https://api.cloudcoding.ai"


def test_body_shapes_and_secrets_kept_out_of_reprs():
    single = build("hello {x} $y")
    assert single.body(thread_id="t1") == {
        "repo_url": "https://github.com/o/r", "github_token": TOKEN, "branch": "main", "haiku": False,
        "messages": [{"type": "human", "content": "hello {x} $y"}], "thread_id": "t1"}
    parallel = build(None, {"unit-tests": "a", "docs": "b"}, haiku=True)
    body = parallel.body(thread_id=None)
    assert body["parallel_tasks"] == [{"prompt": "a", "task_name": "unit-tests"}, {"prompt": "b", "task_name": "docs"}]
    assert "thread_id" not in body and "messages" not in body and body["haiku"] is True
    for text in (repr(single), repr(parallel), repr(GOOD)):
        assert KEY not in text and TOKEN not in text


def test_masker_hides_known_values_token_shapes_and_url_credentials():
    masker = SecretMasker([KEY, TOKEN, None, ""])
    other = "github_pat_" + "x" * 40
    text = f"key {KEY} tok {TOKEN} other ghs_{'z' * 36} {other} https://x-access-token:abc123@github.com/o/r.git"
    masked = masker.text(text)
    for secret in (KEY, TOKEN, "ghs_" + "z" * 36, other, "abc123"):
        assert secret not in masked
    assert "https://****@github.com/o/r.git" in masked
    # each shape alone, without another pattern's text beside it to trigger the masking
    assert masker.text(f"token {other} here") == "token **** here"
    assert masker.text(f"token ghu_{'q' * 36}") == "token ****"
    assert masker.deep({"a": [text, 1, {"b": TOKEN}]}) == {"a": [masked, 1, {"b": "****"}]}
    assert KEY not in repr(masker)
    assert mask_hint(KEY) == "…" + KEY[-4:] and mask_hint(None) == "(not set)"
