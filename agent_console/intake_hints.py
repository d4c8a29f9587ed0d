"""What the 受理 form shows beside the case while the agent types: knowledge-base answers that really match
(a relevance threshold on shared key words, the same on SQLite and PostgreSQL) and repeat candidates."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from hotline.settings import Settings
from ticketing.kb import service as kb
from ticketing.textsearch import top_terms

KB_CANDIDATES = 10  # full-text hits looked at before the threshold
KB_SHOWN = 3


def kb_matches(session: Session, text: str, *, settings: Settings, limit: int = KB_CANDIDATES) -> list[dict[str, Any]]:
    """The full-text search's articles for `text`, each marked `relevant` when it shares enough of the text's
    key words to be offered as the answer: at least `console_kb_min_terms` of them (all, if the text has
    fewer) and at least `console_kb_min_share` of them."""
    terms = top_terms(text or "", limit=settings.kb_suggest_terms)
    if not terms:
        return []
    needed = min(len(terms), max(settings.console_kb_min_terms, math.ceil(settings.console_kb_min_share * len(terms))))
    found = []
    for article in kb.suggest_articles(session, text=text, limit=limit):
        words = set((article.search_tokens or "").split())
        shared = [t for t in terms if t in words]
        found.append({"id": article.id, "question": article.question, "answer": article.answer, "shared": shared,
                      "share": round(len(shared) / len(terms), 2), "relevant": len(shared) >= needed})
    return found


def kb_answers(session: Session, text: str, *, settings: Settings) -> list[dict[str, Any]]:
    """Only the relevant matches (see kb_matches), best share first: answers the form may close a case with."""
    found = [a for a in kb_matches(session, text, settings=settings) if a["relevant"]]
    found.sort(key=lambda a: -a["share"])  # stable: the search's own ranking breaks ties
    return found[:KB_SHOWN]
