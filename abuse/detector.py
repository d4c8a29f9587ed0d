"""Abuse detection: lexicon matches on call transcripts (the matched words are the evidence) and nuisance
patterns in call records (many silent or immediately hung-up calls from one number in a day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from abuse.lexicon import KINDS, Lexicon

TARGET_GAP = 4        # characters allowed between a second-person target and a targeted word
REPORT_WINDOW = 6     # characters before a match searched for a reporting verb (他骂我…, 邻居扬言…)
EXCERPT_SIDE = 20     # characters kept either side of the first match
_PUNCT = set("，。！？、；：,.!?;: \n\t\"“”‘’'")


@dataclass(frozen=True)
class Hit:
    kind: str
    word: str
    start: int


@dataclass(frozen=True)
class Detection:
    kind: str | None                      # insult | threat | harassment; None = nothing found
    hits: tuple[Hit, ...] = ()
    excerpt: str | None = None

    @property
    def abusive(self) -> bool:
        return self.kind is not None

    @property
    def words(self) -> list[str]:
        return sorted({h.word for h in self.hits})


def _reported(text: str, start: int, lex: Lexicon) -> bool:
    """The words are quoted from someone else (他骂我傻逼, 邻居扬言要弄死你们): a complaint, not abuse."""
    before = text[max(0, start - REPORT_WINDOW):start]
    clause = before
    for i in range(len(before) - 1, -1, -1):
        if before[i] in _PUNCT:
            clause = before[i + 1:]
            break
    return any(verb in clause for verb in lex.reporting) and not clause.rstrip().endswith(lex.targets)


def _targeted(text: str, start: int, lex: Lexicon) -> bool:
    before = text[max(0, start - TARGET_GAP - 5):start]
    for target in lex.targets:
        at = before.rfind(target)
        if at >= 0:
            gap = before[at + len(target):]
            if len(gap) <= TARGET_GAP and not any(c in _PUNCT for c in gap):
                return True
    return False


def _find(text: str, word: str) -> Iterable[int]:
    start = text.find(word)
    while start >= 0:
        yield start
        start = text.find(word, start + 1)


def detect(text: str | None, lex: Lexicon) -> Detection:
    """Every lexicon hit in `text`; the incident kind is the gravest kind found (threat > harassment > insult)."""
    if not text:
        return Detection(kind=None)
    hits: list[Hit] = []
    for kind in KINDS:
        for word in lex.strong[kind]:
            hits += [Hit(kind, word, s) for s in _find(text, word) if not _reported(text, s, lex)]
        for word in lex.targeted[kind]:
            hits += [Hit(kind, word, s) for s in _find(text, word)
                     if _targeted(text, s, lex) and not _reported(text, s, lex)]
    if not hits:
        return Detection(kind=None)
    hits.sort(key=lambda h: h.start)
    kind = next(k for k in ("threat", "harassment", "insult") if any(h.kind == k for h in hits))
    first = hits[0]
    lo, hi = max(0, first.start - EXCERPT_SIDE), min(len(text), first.start + len(first.word) + EXCERPT_SIDE)
    excerpt = ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
    return Detection(kind=kind, hits=tuple(hits), excerpt=excerpt)


@dataclass(frozen=True)
class CallFacts:
    """What the nuisance check needs of a Call row."""

    caller: str | None
    started_at: datetime
    answered: bool
    recording_seconds: float
    transcript: str | None


@dataclass
class Nuisance:
    caller: str
    day: str
    silent_calls: int
    call_ids: list[int] = field(default_factory=list)


def silent(call: CallFacts, *, short_seconds: float) -> bool:
    """Unanswered/immediately hung up, or recorded nothing worth a transcript."""
    if not call.answered:
        return True
    return call.recording_seconds < short_seconds and not (call.transcript or "").strip()


def nuisance_callers(calls: Iterable[tuple[int, CallFacts]], *, per_day: int, short_seconds: float,
                     tz) -> list[Nuisance]:
    """Callers with at least `per_day` silent calls on one local day."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for call_id, call in calls:
        if call.caller and silent(call, short_seconds=short_seconds):
            day = call.started_at.astimezone(tz).date().isoformat()
            groups[(call.caller, day)].append(call_id)
    return [Nuisance(caller=c, day=d, silent_calls=len(ids), call_ids=sorted(ids))
            for (c, d), ids in sorted(groups.items()) if len(ids) >= per_day]
