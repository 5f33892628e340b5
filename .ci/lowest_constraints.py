"""Print a pip constraints file pinning each direct dependency to the floor pyproject.toml allows.

Usage: python .ci/lowest_constraints.py > lowest.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None


def dependencies(pyproject: Path) -> list[str]:
    text = pyproject.read_text(encoding="utf-8")
    if tomllib is not None:
        return list(tomllib.loads(text)["project"]["dependencies"])
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    if block is None:
        raise SystemExit("no [project] dependencies in pyproject.toml")
    return re.findall(r'"([^"]+)"', block.group(1))


def main() -> None:
    for requirement in dependencies(Path(__file__).resolve().parent.parent / "pyproject.toml"):
        floor = re.match(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        if floor is None:
            sys.exit(f"no floor (>=) in {requirement!r}: every direct dependency needs one")
        print(f"{floor.group(1)}=={floor.group(2)}")


if __name__ == "__main__":
    main()
