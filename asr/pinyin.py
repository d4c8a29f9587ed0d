"""Pinyin syllables of Chinese text and a scored syllable alignment (tone-insensitive, with initial/final
confusion costs) used to find near-homophones of the hotline's vocabulary in a transcript."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z",
            "c", "s", "y", "w")
# Pairs a phone line, an accent or the recognizer confuse often (southern flat/retroflex, n/l, f/h, …).
INITIAL_CONFUSIONS = frozenset(frozenset(p) for p in (
    ("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"), ("r", "l"), ("j", "zh"), ("q", "ch"),
    ("x", "sh"), ("j", "z"), ("q", "c"), ("x", "s"), ("g", "k"), ("b", "p"), ("d", "t"), ("h", "k"),
    ("r", "y"), ("y", ""), ("w", ""),
))
FINAL_CONFUSIONS = frozenset(frozenset(p) for p in (
    ("in", "ing"), ("en", "eng"), ("an", "ang"), ("ian", "iang"), ("uan", "uang"), ("ong", "eng"),
    ("i", "in"), ("u", "v"), ("i", "v"), ("ao", "iao"), ("uo", "o"), ("e", "ie"), ("an", "ian"), ("en", "an"),
    ("un", "en"), ("ui", "ei"), ("ou", "iu"), ("ue", "ve"), ("ing", "in"), ("ai", "an"),
))


@dataclass(frozen=True)
class Costs:
    """Costs of one syllable against another (0 = same sound); a syllable costs at most 1."""

    tone: float = 0.1
    initial_confusion: float = 0.3
    initial: float = 0.6
    final_confusion: float = 0.3
    final: float = 0.6
    gap: float = 1.2  # a syllable inserted or dropped


@dataclass(frozen=True)
class Syllable:
    initial: str
    final: str
    tone: int  # 1-4, 5 = neutral

    @property
    def toneless(self) -> str:
        return self.initial + self.final

    @property
    def coarse(self) -> str:
        """A key equal for confusable syllables (used to find candidates before scoring)."""
        initial = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "r": "l", "f": "h", "j": "z", "q": "c", "x": "s",
                   "k": "g", "p": "b", "t": "d", "y": "", "w": ""}.get(self.initial, self.initial)
        final = self.final.rstrip("g").replace("v", "u")
        return initial + final


def split(tone3: str) -> Syllable | None:
    """'zhao2' → Syllable('zh', 'ao', 2); None for anything that is not a pinyin syllable."""
    if not tone3 or not tone3[0].isalpha():
        return None
    tone = int(tone3[-1]) if tone3[-1].isdigit() else 5
    body = tone3.rstrip("012345").lower().replace("ü", "v")
    for initial in INITIALS:
        if body.startswith(initial) and len(body) > len(initial):
            return Syllable(initial, body[len(initial):], tone)
    return Syllable("", body, tone) if body.isalpha() else None


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=4096)
def syllables(text: str) -> tuple[Syllable | None, ...]:
    """One entry per character of `text`: its syllable (read in context, so 着火 is zhao2) or None."""
    out: list[Syllable | None] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if run:
            out.extend(split(p[0]) for p in pinyin(run, style=Style.TONE3, neutral_tone_with_five=True))
            run = ""

    for ch in text:
        if is_han(ch):
            run += ch
        else:
            flush()
            out.append(None)
    flush()
    return tuple(out)


def syllable_cost(a: Syllable, b: Syllable, costs: Costs = Costs()) -> float:
    cost = 0.0
    if a.initial != b.initial:
        cost += costs.initial_confusion if frozenset((a.initial, b.initial)) in INITIAL_CONFUSIONS else costs.initial
    if a.final != b.final:
        cost += costs.final_confusion if frozenset((a.final, b.final)) in FINAL_CONFUSIONS else costs.final
    if a.tone != b.tone and a.tone != 5 and b.tone != 5:
        cost += costs.tone
    return min(1.0, cost)


def align_cost(heard: tuple[Syllable, ...], term: tuple[Syllable, ...], costs: Costs = Costs()) -> float:
    """Least total cost of turning `heard` into `term` (substitutions by sound, gaps at `costs.gap`)."""
    previous = [j * costs.gap for j in range(len(term) + 1)]
    for i, a in enumerate(heard, 1):
        current = [i * costs.gap]
        for j, b in enumerate(term, 1):
            current.append(min(previous[j] + costs.gap, current[j - 1] + costs.gap,
                               previous[j - 1] + syllable_cost(a, b, costs)))
        previous = current
    return previous[-1]
