"""Knowledge-base search helpers that need no database: what an article is indexed by, and snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ticketing.textsearch import segment_parts


def article_tokens(*, question: str, answer: str, tags: str) -> str:
    """The `search_tokens` of an article: its question, tags and answer, segmented."""
    return segment_parts(question, tags.replace(",", " "), answer)


def highlight(text: str, terms: Sequence[str], *, width: int) -> str:
    """A window of about `width` characters of `text` around the first matched term.

    The result is HTML-escaped, with every matched term wrapped in <mark>…</mark>, and "…" where the text
    was cut. Matching ignores case; without a match the start of the text is returned.
    """
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None and first.start() > width // 4:
        start = first.start() - width // 4
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    window = text[start:end]
    out: list[str] = ["…"] if start > 0 else []
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        out.append(html.escape(window[position:match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    out.append(html.escape(window[position:]))
    if end < len(text):
        out.append("…")
    return "".join(out)
