"""URLs in agent text: escaped links (http/https only), and the commit/PR links of a run."""

from __future__ import annotations

import re

from .html import escape

_URL = re.compile(r"https?://[^\s<>\"'`]{1,2000}")
_WORK = re.compile(r"https://github\.com/[\w.-]{1,100}/[\w.-]{1,100}/(commit/([0-9a-fA-F]{7,40})|pull/(\d{1,9}))\b")
_TRAILING = ".,;:!?]}*_'\""


def _trim(url: str) -> str:
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def link(url: str, label: str | None = None) -> str:
    """An ``<a>`` for an http(s) URL (escaped); anything else stays escaped text."""
    if not url.startswith(("https://", "http://")):
        return escape(label or url)
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(label or url)}</a>'


def linkify(text: str) -> str:
    """``text`` HTML-escaped, with its http(s) URLs as links."""
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if not url:
            continue
        out.append(escape(text[pos : match.start()]))
        out.append(link(url))
        pos = match.start() + len(url)
    out.append(escape(text[pos:]))
    return "".join(out)


def work_links(text: str, limit: int = 20) -> list[tuple[str, str]]:
    """(label, url) for each GitHub commit or pull request URL in ``text``, in order, once each."""
    found: dict[str, str] = {}
    for match in _WORK.finditer(text):
        url = match.group(0)
        label = f"commit {match.group(2)[:7]}" if match.group(2) else f"PR #{match.group(3)}"
        found.setdefault(url, label)
        if len(found) >= limit:
            break
    return [(label, url) for url, label in found.items()]
