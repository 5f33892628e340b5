"""What a pull did, and the few lines that tell the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..secrets import SecretMasker
from ..text import strip_escapes

MAX_NAMED = 10  # paths or files named in one message before "and N more"
_AUTOLOAD_HINT = "`%load_ext autoreload` + `%autoreload 2` picks up changes automatically"


@dataclass
class PullResult:
    """What a pull did: ``before == after`` when the branch was already up to date."""

    clone: Path
    remote: str
    branch: str
    before: str
    after: str
    commits: int = 0
    files: list[tuple[str, str]] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    reloaded: list[str] = field(default_factory=list)
    reload_errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    ahead: int = 0
    masker: SecretMasker = field(default_factory=SecretMasker, repr=False, compare=False)

    @property
    def up_to_date(self) -> bool:
        """True when nothing was fetched that the branch did not already have."""
        return self.before == self.after

    def report(self) -> str:
        """A few readable lines for the notebook (file names come from a commit: masked, cleaned)."""
        return shown(self._report(), self.masker)

    def _report(self) -> str:
        if self.up_to_date:
            line = f"{self.branch} is already up to date with {self.remote}/{self.branch} ({self.after[:7]})."
            if self.ahead:
                line += f" It has {plural(self.ahead, 'local commit')} not on {self.remote}; nothing was changed."
            return line
        shown = ", ".join(f"{status} {path}" for status, path in self.files[:MAX_NAMED])
        if len(self.files) > MAX_NAMED:
            shown += f" and {len(self.files) - MAX_NAMED} more"
        commits = plural(self.commits, "commit")
        files = plural(len(self.files), "file")
        lines = [f"Fast-forwarded {self.branch} {self.before[:7]}..{self.after[:7]} ({commits}): {files} changed: {shown}"]
        if self.reloaded:
            lines.append("reloaded: " + ", ".join(self.reloaded))
        for name, error in self.reload_errors.items():
            lines.append(f"reloading {name} failed: {error}")
        if self.removed:
            names = ", ".join(self.removed)
            lines.append(f"{names}: removed by the update but still imported until the kernel restarts")
        handled = {*self.removed, *self.reloaded, *self.reload_errors}
        waiting = [name for name in self.imported if name not in handled]
        if waiting:
            one = len(waiting) == 1
            lines.append(
                f"{', '.join(waiting)} {'is' if one else 'are'} already imported: `%cloudcode pull --reload` "
                f"reloads {'it' if one else 'them'}, or {_AUTOLOAD_HINT}"
            )
        return "\n".join(lines)


def shown(text: str, masker: SecretMasker) -> str:
    """Text holding git's output or outside names, fit for the notebook: masked, escapes removed."""
    return masker.text(strip_escapes(text))


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
