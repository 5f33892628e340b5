"""Where a cell runs — its repository and branch — and where that choice came from.

The repository: ``-r`` on the cell, else the kernel's current conversation (the last cell's
target), else ``CloudCode.repo``, else ``CLOUDCODE_REPO``, else, in demo mode, the demo's
repository. The branch: ``-b``, else the conversation's branch when the cell works on the
conversation's repository, else ``CloudCode.branch`` / ``CLOUDCODE_BRANCH``, else ``main``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..repos import same_repository
from ..settings import DEFAULT_BRANCH

THIS_CELL = "this cell"
CONVERSATION = "the conversation"
CONFIGURED = "CloudCode.repo"
ENVIRONMENT = "CLOUDCODE_REPO"
DEMO = "the demo (nothing set)"


@dataclass(frozen=True)
class Target:
    """A repository and branch to run on; ``origin`` says where the repository came from."""

    repo: str
    branch: str
    origin: str = THIS_CELL


@dataclass(frozen=True)
class Defaults:
    """What the configuration offers when a cell names no repository or branch."""

    configured_repo: str = ""  # CloudCode.repo
    environment_repo: str = ""  # CLOUDCODE_REPO
    branch: str = ""  # CloudCode.branch, else CLOUDCODE_BRANCH
    demo_repo: str = ""  # set in demo mode only


def choose_target(repo: str | None, branch: str | None, conversation: Target | None, defaults: Defaults) -> Target | None:
    """The target of a cell with ``-r repo`` / ``-b branch`` (None when not given); None when
    no repository can be found anywhere."""
    if repo:
        chosen = Target(repo, "", THIS_CELL)
    elif conversation is not None:
        chosen = Target(conversation.repo, "", CONVERSATION)
    elif defaults.configured_repo:
        chosen = Target(defaults.configured_repo, "", CONFIGURED)
    elif defaults.environment_repo:
        chosen = Target(defaults.environment_repo, "", ENVIRONMENT)
    elif defaults.demo_repo:
        chosen = Target(defaults.demo_repo, "", DEMO)
    else:
        return None
    if not branch:
        continuing = conversation is not None and same_repository(chosen.repo, conversation.repo)
        branch = conversation.branch if continuing and conversation else defaults.branch or DEFAULT_BRANCH
    return Target(chosen.repo, branch, chosen.origin)
