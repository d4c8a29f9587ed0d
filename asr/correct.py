"""Post-correction of transcripts: repair near-homophones of the hotline vocabulary (找火了 → 着火了) by
pinyin similarity, only where confident, and say what was changed.

A window of the transcript is a candidate for a vocabulary term when enough of its syllables sound alike
(coarse keys); it is scored by `asr.pinyin.align_cost` per term syllable. It is replaced only when
- the score is at most `max_cost` (`max_cost_short` for two-syllable terms, `max_cost_word` when the window
  is a common word itself, so 电视 stays 电视 although it sounds like 电梯),
- no syllable is entirely different (`max_syllable_cost`) and at least one matches exactly (tone aside),
- the window starts and ends on word boundaries of the heard text (邻居在 never yields 拒载), and
- it holds no function character (的 了 在 …) the term lacks (楼的 never yields 漏电)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from asr.pinyin import Costs, Syllable, align_cost, syllable_cost, syllables

FUNCTION_CHARS = frozenset("的了在是有和与我你他她它们这那就也都还很吗呢吧啊呀么")


@dataclass(frozen=True)
class Correction:
    start: int  # character offsets in the text before correction
    end: int
    heard: str
    term: str
    cost: float  # per term syllable

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "heard": self.heard, "term": self.term,
                "cost": round(self.cost, 3)}


@dataclass(frozen=True)
class Thresholds:
    max_cost: float = 0.36
    max_cost_short: float = 0.3  # two-syllable terms
    max_cost_word: float = 0.12  # when the heard window is a dictionary word in its own right
    max_syllable_cost: float = 0.9
    common_word_freq: int = 50  # jieba frequency from which a window counts as a word in its own right
    term_freq: int = 5000  # a vocabulary term counts as this common (or its jieba frequency if higher)
    min_term_chars: int = 2
    costs: Costs = field(default_factory=Costs)


class Corrector:
    def __init__(self, terms: Iterable[str], thresholds: Thresholds = Thresholds()) -> None:
        self.thresholds = thresholds
        self.terms: list[tuple[str, tuple[Syllable, ...]]] = []
        self.index: dict[str, set[int]] = defaultdict(set)
        seen: set[str] = set()
        for term in terms:
            term = term.strip()
            if term in seen or len(term) < thresholds.min_term_chars:
                continue
            sounds = syllables(term)
            if any(s is None for s in sounds):
                continue  # only all-Han terms are matched by sound
            seen.add(term)
            idx = len(self.terms)
            self.terms.append((term, sounds))  # type: ignore[arg-type]
            for s in sounds:
                self.index[s.coarse].add(idx)  # type: ignore[union-attr]
        self.lengths = sorted({len(t) for t, _ in self.terms})

    def correct(self, text: str, passes: int = 2) -> tuple[str, list[Correction]]:
        """The corrected text and the corrections made, left to right. A second pass repairs a term that
        overlapped one repaired in the first (驻防攻基金提起 → 住房公积金提起 → 住房公积金提取); offsets are
        those of the text each pass read."""
        made: list[Correction] = []
        for _ in range(passes):
            text, found = self._pass(text)
            made += found
            if not found:
                break
        return text, made

    def _pass(self, text: str) -> tuple[str, list[Correction]]:
        if not self.terms or not text:
            return text, []
        sounds = syllables(text)
        protected = self._exact_spans(text)
        bounds = _word_bounds(text)
        for p, _q, term in protected:  # a word heard right may be entered at its own word boundaries
            bounds |= {p + b for b in _word_bounds(term)}
        candidates: list[Correction] = []
        for start in range(len(text)):
            if sounds[start] is None:
                continue
            for length in range(max(1, self.lengths[0] - 1), self.lengths[-1] + 2):
                end = start + length
                if end > len(text) or any(s is None for s in sounds[start:end]):
                    break
                if start not in bounds or end not in bounds:
                    continue
                crossing = [(max(p, start) - start, min(q, end) - start) for p, q, _ in protected
                            if p < end and start < q and not (start <= p and q <= end)]
                kept = [t for p, q, t in protected if start <= p and q <= end]
                fixed = len({i for p, q, _ in protected for i in range(max(p, start), min(q, end))})
                best = self._best(text[start:end], sounds[start:end], kept, crossing,  # type: ignore[arg-type]
                                  fixed)
                if best is not None:
                    candidates.append(Correction(start, end, text[start:end], best[0], best[1]))
        chosen: list[Correction] = []
        for c in sorted(candidates, key=lambda c: (c.cost, -(c.end - c.start), c.start)):
            if all(c.end <= o.start or o.end <= c.start for o in chosen):
                chosen.append(c)
        chosen.sort(key=lambda c: c.start)
        out, pos = [], 0
        for c in chosen:
            out += [text[pos:c.start], c.term]
            pos = c.end
        out.append(text[pos:])
        return "".join(out), chosen

    def _exact_spans(self, text: str) -> list[tuple[int, int, str]]:
        spans = []
        for term, _ in self.terms:
            at = text.find(term)
            while at >= 0:
                spans.append((at, at + len(term), term))
                at = text.find(term, at + 1)
        return spans

    def _best(self, window: str, heard: tuple[Syllable, ...], kept: list[str],
              crossing: list[tuple[int, int]], fixed: int = 0) -> tuple[str, float] | None:
        """The closest term for `window`; a term heard right inside it (`kept`) must survive the repair, and
        where the window cuts into one (`crossing`, offsets in the window) those characters must stay."""
        votes: dict[int, int] = defaultdict(int)
        for s in heard:
            for idx in self.index.get(s.coarse, ()):
                votes[idx] += 1
        is_word = _is_word(window, self.thresholds.common_word_freq)
        limit = self.thresholds.max_cost_word if is_word else self.thresholds.max_cost
        best: tuple[str, float] | None = None
        for idx, count in votes.items():
            term, sounds = self.terms[idx]
            if term == window or abs(len(term) - len(window)) > 1 or count * 2 < len(sounds):
                continue
            if is_word and _freq(window) >= max(_freq(term), self.thresholds.term_freq):
                continue  # 以后 stays 以后 even if 蚁后 is a term: a word more common than the term is meant
            if any(k not in term or k == term for k in kept):
                continue
            if crossing and (len(term) != len(window) or any(term[a:b] != window[a:b] for a, b in crossing)):
                continue  # never change a vocabulary word heard right
            if any(ch in FUNCTION_CHARS and ch not in term for ch in window):
                continue
            if len(term) == len(window) and any(syllable_cost(a, b, self.thresholds.costs) >
                                                self.thresholds.max_syllable_cost for a, b in zip(heard, sounds)):
                continue
            if not {s.toneless for s in sounds} & {s.toneless for s in heard}:
                continue
            # Scored per syllable that may change: a word heard right inside the window does not dilute it.
            free = max(1, len(sounds) - fixed)
            cost = align_cost(heard, sounds, self.thresholds.costs) / free
            bound = min(limit, self.thresholds.max_cost_short) if free <= 2 else limit
            if cost <= bound and (best is None or cost < best[1]):
                best = (term, cost)
        return best


def _word_bounds(text: str) -> set[int]:
    """Offsets where a word of `text` starts or ends (jieba, dictionary words only: no guessed words)."""
    import jieba

    bounds, at = {0}, 0
    for word in jieba.lcut(text, HMM=False):
        at += len(word)
        bounds.add(at)
    return bounds


@lru_cache(maxsize=65536)
def _freq(word: str) -> int:
    import jieba

    jieba.initialize()  # once per process; later calls return at once
    return jieba.dt.FREQ.get(word) or 0


def _is_word(window: str, min_freq: int) -> bool:
    return len(window) >= 2 and _freq(window) >= min_freq
