"""Naming repositories and branches: `https://HOST/<owner>/<repo>` or `owner/repo`, and safe branch names."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# A conservative subset of `git check-ref-format --branch`: no leading '-', no '..', '//', '@{', no '.lock'.
_BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock(?:/|$))[A-Za-z0-9_./@+-]{1,200}(?<![./])")


@dataclass(frozen=True)
class RepoRef:
    """A repository as the client named it; `key` (lower case) is how it is stored, as GitHub ignores case."""

    owner: str
    name: str
    host: str = "github.com"

    @property
    def key(self) -> str:
        return f"{self.owner.lower()}/{self.name.lower()}"

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def package(self) -> str:
        """The Python package of the repository's initial commit: `my-repo` -> `my_repo`."""
        pkg = re.sub(r"\W", "_", self.name.lower())
        return pkg if pkg[:1].isalpha() else "pkg_" + pkg

    @property
    def clone_url(self) -> str:
        return f"https://{self.host}/{self.slug}.git"

    def web(self, *path: str) -> str:
        """A github.com page of this repository: web("commit", sha)."""
        return "/".join([f"https://github.com/{self.slug}", *path])


FALLBACK = RepoRef("octo-org", "example")


def parse_repo(text: str) -> RepoRef | None:
    """`https://HOST/owner/repo(.git)` or `owner/repo`; None when it names no repository."""
    text = text.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "github.com", parts.path
    else:
        host, path = "github.com", text
    segments = [s for s in path.split("/") if s]
    if len(segments) != 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not (_NAME.fullmatch(owner) and _NAME.fullmatch(name)):
        return None
    return RepoRef(owner, name, host)


def valid_branch(name: str) -> bool:
    return bool(_BRANCH.fullmatch(name))
