"""Where the user's GitHub token may be sent: the one rule, in one function.

The token goes to ``https://api.github.com``, or exactly to the GitHub API the user configured
(``CloudCode.github_api_url`` / ``CLOUDCODE_GITHUB_API_URL``). A repository URL, a recording or
a server's answer decides only *whether* GitHub is asked, never *where*.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..repos import github_hosts, has_valid_port, host_of, split_repo_url
from ..secrets import SecretMasker
from ..settings import DEFAULT_GITHUB_API_URL
from ..text import one_line, strip_escapes


def github_api_url(repo_url: str, configured: str | None = None) -> str:
    """The REST API that may be asked about ``repo_url`` with the user's token: exactly
    ``configured`` (``CloudCode.github_api_url``, ``CLOUDCODE_GITHUB_API_URL``) when the user set
    one, else ``https://api.github.com``. The repository decides only *whether* to ask, never
    where: it must be on github.com or on the configured GitHub's host.

    Raises ValueError (one sentence) for a URL that names no repository, or one on another host."""
    repository_parts(repo_url)  # a repository URL, or ValueError
    host = host_of(repo_url) or ""
    api = DEFAULT_GITHUB_API_URL
    if configured and configured.strip():
        api = configured.strip().rstrip("/")
        if not _is_api_url(api):
            raise ValueError(
                "the configured GitHub API URL (CloudCode.github_api_url / CLOUDCODE_GITHUB_API_URL) is not an "
                "http(s) URL without credentials, so nothing is sent to it"
            )
    if host in github_hosts(api):
        return api
    shown = one_line(strip_escapes(host), 120)
    raise ValueError(
        f"the repository's host {shown} is neither github.com nor the GitHub configured for your token "
        f"({api}), so GitHub was not asked: for GitHub Enterprise, set %config CloudCode.github_api_url = "
        f"'https://{shown}/api/v3' (or CLOUDCODE_GITHUB_API_URL) and `%cloudcode diff` reads them"
    )


def _is_api_url(url: str) -> bool:
    if not has_valid_port(url):
        return False
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.username is None
        and url.isprintable()
        and not any(c.isspace() for c in url)
    )


def repository_parts(repo_url: str) -> tuple[str, str, str]:
    parts = split_repo_url(repo_url) if isinstance(repo_url, str) else None
    if parts is None:
        shown = one_line(SecretMasker().text(strip_escapes(str(repo_url))), 120)
        raise ValueError(f"{shown!r} is not a repository URL: expected https://HOST/<owner>/<repo>")
    return parts


def web_base(host: str, owner: str, name: str) -> str:
    return f"https://{host.split(':')[0]}/{owner}/{name}"
