"""Repository URLs, in one place: parsing the forms git accepts, comparing them, and showing them.

    https://HOST/OWNER/REPO(.git)     ssh://git@HOST(:PORT)/OWNER/REPO(.git)     git@HOST:OWNER/REPO.git

A URL may come from the user, a recording, git's configuration or an agent's output, so every
function here is total (None or False for what is not a repository URL) and bounded, and nothing
shown keeps the user information, query or fragment a URL may carry. This is also the one home of
the grammar of URL credentials: stripped from a URL here, found inside any text by the masker.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

GITHUB_HOST = "github.com"
_HOST_ALIASES = {"www.github.com": GITHUB_HOST, "ssh.github.com": GITHUB_HOST}
_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,20})://(?:[^/@?#]{0,1000}@)?(?P<host>[^/?#\s@]{1,260})(?P<path>/[^?#\s]*)?"
)
_SCP = re.compile(r"^(?:[^@/\s]{1,100}@)?(?P<host>[^:/\s@]{1,253}):(?P<path>(?!//)\S{1,400})$")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,20}://)[^/@?#]{0,1000}@")

# URL credentials inside any text (a log line, git's output), for the masker: ``://user:password@``,
# and ``http(s)://TOKEN@`` (a token as the user name). Bounded, so that every match is bounded.
_USER, _PASSWORD = 128, 512
CREDENTIALS_IN_TEXT = (
    rf"://(?P<credentials>[^/\s:@]{{1,{_USER}}}:[^/\s@]{{1,{_PASSWORD}}})@"
    rf"|(?i:https?)://(?P<user>[^/\s:@?#]{{1,{_USER}}})@"
)
CREDENTIALS_STARTING = rf"://(?P<credentials>[^/\s:@]{{1,{_USER}}}:[^/\s@]{{0,{_PASSWORD}}})\Z"  # cut off at the end
LONGEST_CREDENTIALS = 3 + _USER + 1 + _PASSWORD + 1  # "://user:password@"
_SSH_SCHEMES = ("ssh://", "git+ssh://", "ssh+git://")


def split_repo_url(url: str) -> tuple[str, str, str] | None:
    """``(host, owner, repo)`` of a repository URL in any form above (host in lower case, with
    its port; ``.git`` dropped); None when ``url`` names no repository."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    url = url.strip()
    match = _URL.match(url) or _SCP.match(url)
    if match is None:
        return None
    host = match.group("host").lower()
    parts = [p for p in (match.group("path") or "").split("/") if p]
    if len(parts) != 2:
        return None
    owner, name = parts[0], parts[1].removesuffix(".git")
    if not (_NAME.fullmatch(owner) and _NAME.fullmatch(name)) or name in (".", ".."):
        return None
    return host, owner, name


def canonical_url(url: str) -> str | None:
    """``https://HOST/OWNER/REPO`` for a repository URL in any form above: the scp and ssh forms
    become https (an SSH port dropped), ``.git`` and GitHub's host aliases go; None when ``url``
    names no repository."""
    parts = split_repo_url(url)
    if parts is None:
        return None
    host = parts[0].split(":")[0] if is_ssh(url) else parts[0]
    return f"https://{_HOST_ALIASES.get(host, host)}/{parts[1]}/{parts[2]}"


def github_hosts(api_url: str | None) -> frozenset[str]:
    """The hosts whose repositories are GitHub's: github.com, and the host of the GitHub API the
    user configured (``https://HOST/api/v3`` or ``https://api.HOST``) for GitHub Enterprise."""
    hosts = {GITHUB_HOST}
    match = _URL.match(api_url.strip()) if isinstance(api_url, str) and len(api_url) <= 2000 else None
    if match is not None:
        host = match.group("host").lower().split(":")[0]
        hosts.update({host, host.removeprefix("api.")})
    return frozenset(hosts)


def github_repository(url: str, api_url: str | None = None) -> str | None:
    """The URL to send for a repository on one of :func:`github_hosts`, or None.

    ``https://HOST/OWNER/REPO`` (``.git`` kept if written); the scp form ``git@HOST:OWNER/REPO.git``
    and ``ssh://`` become https. Plain ``http`` and any other host give None."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    url = url.strip()
    if not url.isprintable() or any(c.isspace() for c in url) or not has_valid_port(url):
        return None
    if "://" in url and not url.lower().startswith(("https://", *_SSH_SCHEMES)):
        return None
    if url.lower().startswith("https://") and _USERINFO.match(url):
        return None  # credentials: never sent (the caller says why)
    canonical = canonical_url(url)
    if canonical is None or host_of(canonical) not in github_hosts(api_url) or re.search(r"[?#]", url):
        return None
    return canonical + (".git" if url.rstrip("/").endswith(".git") else "")


def has_valid_port(url: str) -> bool:
    """Whether ``url``'s port, if it has one, is a number in range."""
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return False
    return True


def likely_meant(url: str) -> str | None:
    """What a near-miss of a github.com repository URL most likely meant: ``owner/repo``,
    ``github.com/owner/repo``, ``http://``, a browser's ``…/tree/BRANCH`` (as ``URL -b BRANCH``)."""
    if not isinstance(url, str) or len(url) > 500:
        return None
    text = url.strip().rstrip("/")
    text = re.sub(r"^(?:https?://)?(?:www\.)?github\.com/", "", text, flags=re.IGNORECASE)
    parts = text.split("/")
    branch = None
    if len(parts) >= 4 and parts[2] == "tree":
        parts, branch = parts[:2], "/".join(parts[3:])
    if len(parts) != 2 or not all(_NAME.fullmatch(p) for p in parts):
        return None
    meant = f"https://{GITHUB_HOST}/{parts[0]}/{parts[1]}"
    return f"{meant} -b {branch}" if branch and _NAME.fullmatch(branch.replace("/", "")) else meant


def short_name(url: str) -> str:
    """``OWNER/REPO`` for a repository on github.com, the URL as :func:`shown_url` shows it otherwise."""
    parts = split_repo_url(url)
    if parts is not None and host_of(url) == GITHUB_HOST:
        return f"{parts[1]}/{parts[2]}"
    return shown_url(url).rstrip("/").removesuffix(".git")


def host_of(url: str) -> str | None:
    """The repository's host in lower case, without port, ``www.`` or ``ssh.`` aliases of GitHub."""
    key = repository_key(url)
    return key[0] if key else None


def repository_key(url: str) -> tuple[str, str, str] | None:
    """``(host, owner, repo)`` in lower case, the port and GitHub's aliases dropped: equal keys name
    the same repository whichever form of URL git was given; None when ``url`` names none."""
    parts = split_repo_url(url)
    if parts is None:
        return None
    host = parts[0].split(":")[0]
    return _HOST_ALIASES.get(host, host), parts[1].lower(), parts[2].lower()


def same_repository(url: str, repo: str) -> bool:
    """Whether two URLs name the same repository (host, owner and name, ignoring case, port and
    credentials); an empty ``url`` (a push whose remote was not shown) counts as the same."""
    if not url:
        return True
    key = repository_key(url)
    return key is not None and key == repository_key(repo)


def is_ssh(url: str) -> bool:
    """Whether git reaches ``url`` over SSH (``ssh://`` or the scp-like ``user@host:path``)."""
    return url.lower().startswith(_SSH_SCHEMES) or ("://" not in url and _SCP.match(url.strip()) is not None)


def strip_credentials(url: str) -> str:
    """``url`` without ``user:password@``."""
    return _USERINFO.sub(r"\g<scheme>", url)


def shown_url(url: str) -> str:
    """``url`` as it may be shown or put into a suggested command: no user information, query or
    fragment (a remote's URL may carry a token in any of them)."""
    bare = strip_credentials(url.strip())
    if "://" in bare:
        bare = re.split(r"[?#]", bare, maxsplit=1)[0]
    return bare
