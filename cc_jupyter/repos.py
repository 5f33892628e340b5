"""Repository URLs, in one place: parsing the forms git accepts, comparing them, and showing them.

    https://HOST/OWNER/REPO(.git)     ssh://git@HOST(:PORT)/OWNER/REPO(.git)     git@HOST:OWNER/REPO.git

A URL may come from the user, a recording, git's configuration or an agent's output, so every
function here is total (None or False for what is not a repository URL) and bounded, and nothing
shown keeps the user information, query or fragment a URL may carry. This is also the one home of
the grammar of URL credentials: stripped from a URL here, found inside any text by the masker.
"""

from __future__ import annotations

import re

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
