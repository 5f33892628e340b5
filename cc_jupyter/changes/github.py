"""What a run pushed, read from GitHub's REST API with the user's token.

    head_before(repo_url, branch, token)                      -> (sha, error)   before the run
    read_changes(repo_url, branch, before, token, agent_output=...) -> Changes  after it

Neither raises: a failure becomes one sentence (``Changes.error``). Each is bounded by
``timeout`` as a whole, every answer by ``github_client.MAX_BODY``. The token goes only to the GitHub the
user configured (:func:`github_api_url`: never a host a repository URL, a recording or a server
names), in the ``Authorization`` header only, never into a URL, an error, a repr or a log;
whatever GitHub sends back is masked as it arrives, with the run's masker (the API key, the token
and their encoded forms), before it is kept or quoted. When git's output in ``agent_output`` says
the agent pushed to another branch (or the branch's head did not move but a push line names
commits), that branch is compared too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from typing import TypeVar

import httpx

from ..errors import GitHubError
from ..repos import same_repository
from ..run.changes import MAX_ELSEWHERE, Changes, PushedRef
from ..secrets import SecretMasker
from ..settings import GITHUB_TIMEOUT, HEAD_TIMEOUT
from ..text import clip, one_line
from .github_client import RETRY, Repository, make_github_client, no_answer, reason
from .github_host import github_api_url
from .push_output import pull_request_urls, pushed_refs

_THREAD_FROM = 1_000_000  # characters of agent output read on a worker thread
_T = TypeVar("_T")


async def head_before(
    repo_url: str,
    branch: str,
    token: str | None,
    *,
    api: str | None = None,
    timeout: float = HEAD_TIMEOUT,
    client: httpx.AsyncClient | None = None,
    masker: SecretMasker | None = None,
) -> tuple[str | None, str | None]:
    """``(sha, None)``: the head of ``branch`` before a run; ``(None, sentence)`` when it could not
    be read. Never raises; takes at most about ``timeout`` seconds. ``api``: the configured GitHub
    (see :func:`github_api_url`); ``masker`` masks GitHub's answers (default: the token's)."""
    masker = masker or SecretMasker([token])
    try:
        where = github_api_url(repo_url, api)
    except ValueError as error:
        return None, _sentence(error, masker)
    http = client if client is not None else make_github_client(timeout)
    try:
        repository = Repository(http, where, repo_url, token, timeout, masker)
        return await _bounded(repository.head(branch), timeout), None
    except (GitHubError, ValueError) as error:
        return None, _sentence(error, masker)
    except asyncio.TimeoutError:
        return None, no_answer(timeout)
    except Exception as error:  # a bug or an unforeseen failure: one sentence, no secret
        return None, _unexpected(error, masker)
    finally:
        if client is None:
            await http.aclose()


async def read_changes(
    repo_url: str,
    branch: str,
    before: str | None,
    token: str | None,
    *,
    api: str | None = None,
    timeout: float = GITHUB_TIMEOUT,
    agent_output: str = "",
    client: httpx.AsyncClient | None = None,
    masker: SecretMasker | None = None,
) -> Changes:
    """What the run pushed since ``before`` (the head of ``branch`` before it), from GitHub.

    Never raises: any failure gives Changes whose ``error`` is one sentence. ``agent_output``
    (the run's stdout and closing words) is read for git's push lines and pull request URLs:
    pushes to other branches of the repository are compared too. Takes at most about
    ``timeout`` seconds in all. ``api`` and ``masker``: as for :func:`head_before`."""
    masker = masker or SecretMasker([token])
    refs, pulls = await _read_output(agent_output)
    try:
        where = github_api_url(repo_url, api)
    except ValueError as error:
        return Changes.unavailable(repo_url, branch, before, _sentence(error, masker), pushed=refs, pull_requests=pulls)
    http = client if client is not None else make_github_client(timeout)
    try:
        repository = Repository(http, where, repo_url, token, timeout, masker)
        changes = await _bounded(_read(repository, branch, before, refs), timeout)
    except (GitHubError, ValueError) as error:
        changes = Changes.unavailable(repo_url, branch, before, _sentence(error, masker))
    except asyncio.TimeoutError:
        changes = Changes.unavailable(repo_url, branch, before, no_answer(timeout))
    except Exception as error:
        changes = Changes.unavailable(repo_url, branch, before, _unexpected(error, masker))
    finally:
        if client is None:
            await http.aclose()
    return replace(changes, pushed=refs, pull_requests=pulls)


async def _read_output(text: str) -> tuple[list[PushedRef], list[str]]:
    """git's pushes and the PR URLs in the agent's output; a long output is read on a worker
    thread, so the loop (other runs' streams) is not held up."""
    if len(text) < _THREAD_FROM:
        return pushed_refs(text), pull_request_urls(text)
    return await asyncio.to_thread(lambda: (pushed_refs(text), pull_request_urls(text)))


async def _bounded(call: Awaitable[_T], timeout: float) -> _T:
    return await asyncio.wait_for(call, timeout)


async def _read(repository: Repository, branch: str, before: str | None, refs: list[PushedRef]) -> Changes:
    """The run's branch from ``before`` to its head now; pushes elsewhere instead or as well."""
    ours = [ref for ref in refs if same_repository(ref.remote, repository.repo_url)]
    after = await repository.head(branch)
    base = before if before is not None and before != after else _first_old(ours, branch)
    own = None if base is None or after.startswith(base.lower()) else await repository.changes(branch, base, after)
    others = _other_branches(ours, branch)
    if own is None and others:  # the run's branch did not move: show where the agent pushed instead
        own = await _elsewhere(repository, branch, others.pop(0), before or after)
    if own is None:
        own = Changes(repository.repo_url, branch, before, after)
        if before is None:
            return replace(
                own,
                error=f"the head of {clip(branch, 100)} before the run is not known, so what "
                f"the run pushed cannot be told apart — {RETRY} once it can",
            )
    elsewhere = [await _elsewhere(repository, branch, ref, before or after) for ref in others[:MAX_ELSEWHERE]]
    return replace(own, elsewhere=elsewhere)


async def _elsewhere(repository: Repository, branch: str, ref: PushedRef, base: str) -> Changes:
    """Changes of a branch the agent pushed besides the run's own (from ``ref.old``, or from the
    run's branch for a new one)."""
    try:
        head = await repository.head(ref.branch)
        changes = await repository.changes(branch, ref.old or base, head, head_branch=ref.branch)
        return changes
    except GitHubError as error:
        return replace(Changes.unavailable(repository.repo_url, branch, None, error.message), head_branch=ref.branch)


def _first_old(refs: list[PushedRef], branch: str) -> str | None:
    """The sha before the earliest push to ``branch`` that git reported, if any."""
    return next((ref.old for ref in refs if ref.branch == branch and ref.old), None)


def _other_branches(refs: list[PushedRef], branch: str) -> list[PushedRef]:
    """The first push to each other branch, in order."""
    first: dict[str, PushedRef] = {}
    for ref in refs:
        if ref.branch != branch:
            first.setdefault(ref.branch, ref)
    return list(first.values())


def _sentence(error: Exception, masker: SecretMasker) -> str:
    return one_line(masker.text(str(error)), 600)


def _unexpected(error: BaseException, masker: SecretMasker) -> str:
    return (
        f"cc_jupyter could not read the changes ({type(error).__name__}: {reason(error, masker)}) — "
        "please report this with the cc_jupyter version"
    )
