"""The hotline vocabulary the recognizer is biased toward and corrected against: danger words, matter and
category names, department names and place names, read from the database through `load_vocabulary` (the
one place that knows where words come from) and cached per version (a digest of the words), so a change
to the catalogue takes effect on the next call without a restart."""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from asr.correct import Corrector, Thresholds
from asr.pinyin import Costs

HERE = Path(__file__).resolve().parent
DANGER_FILE = HERE / "danger_words.txt"
MATTER_FILE = HERE / "matter_words.txt"
# Place names inside department names: 东城区人民政府 → 东城区, 和平街道办事处 → 和平街道.
_PLACE = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:自治州|自治县|新区|街道|社区|区|县|镇|乡|村))")
_ORG_SUFFIX = re.compile(r"(人民政府|办事处|居委会|村委会|委员会)$")


@dataclass(frozen=True)
class Vocabulary:
    danger: tuple[str, ...]  # danger words first: they get the prompt room first
    terms: tuple[str, ...]  # everything else, catalogue order
    version: str

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.danger, *self.terms)


def read_words(path: Path) -> list[str]:
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words


def places_in(name: str) -> list[str]:
    """Place names in a department name (东城区人民政府 → 东城区)."""
    bare = _ORG_SUFFIX.sub("", name)
    return [m for m in _PLACE.findall(bare) if len(m) >= 2]


def load_vocabulary(session: Session) -> Vocabulary:
    """Every word the hotline wants heard right, from the database and the kept word lists."""
    from ticketing.org.models import Category, Department
    from ticketing.textsearch import hotline_words

    danger = read_words(DANGER_FILE)
    terms: list[str] = []
    for (name,) in session.execute(select(Category.name).where(Category.active.is_(True)).order_by(Category.id)):
        terms.append(name)
    for (name,) in session.execute(select(Department.name).where(Department.active.is_(True))
                                   .order_by(Department.id)):
        terms += places_in(name)
        terms.append(_ORG_SUFFIX.sub("", name).removeprefix("市") or name)
    terms += read_words(MATTER_FILE)
    terms += list(hotline_words())
    return build(danger, terms)


def build(danger: list[str], terms: list[str]) -> Vocabulary:
    seen: set[str] = set()
    ordered_danger = _unique(danger, seen)
    ordered_terms = _unique(terms, seen)
    digest = hashlib.sha1("\n".join([*ordered_danger, "|", *ordered_terms]).encode("utf-8")).hexdigest()[:16]
    return Vocabulary(tuple(ordered_danger), tuple(ordered_terms), digest)


def _unique(words: list[str], seen: set[str]) -> list[str]:
    out = []
    for word in words:
        word = word.strip()
        if 2 <= len(word) <= 12 and word not in seen:
            seen.add(word)
            out.append(word)
    return out


def bounded_list(vocabulary: Vocabulary, max_chars: int, sep: str = "、") -> str:
    """Danger words first, then the other terms, joined by `sep`, never longer than `max_chars`."""
    out, size = [], 0
    for word in vocabulary.all:
        extra = len(word) + (len(sep) if out else 0)
        if size + extra > max_chars:
            break
        out.append(word)
        size += extra
    return sep.join(out)


@dataclass(frozen=True)
class Tuning:
    """The settings the vocabulary's uses need (kept apart so asr/ reads no settings object here)."""

    prompt_max_chars: int
    hotwords_max_chars: int
    max_cost: float
    max_cost_word: float
    common_word_freq: int
    max_cost_short: float = 0.3
    max_syllable_cost: float = 0.9


class VocabularyCache:
    """The corrector built for the current vocabulary version; rebuilt only when the version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._corrector: Corrector | None = None

    def corrector(self, vocabulary: Vocabulary, tuning: Tuning) -> Corrector:
        key = (vocabulary.version, tuning)
        with self._lock:
            if self._key != key or self._corrector is None:
                thresholds = Thresholds(max_cost=tuning.max_cost, max_cost_word=tuning.max_cost_word,
                                        common_word_freq=tuning.common_word_freq, costs=Costs(),
                                        max_cost_short=tuning.max_cost_short,
                                        max_syllable_cost=tuning.max_syllable_cost)
                self._corrector = Corrector(vocabulary.all, thresholds)
                self._key = key
            return self._corrector


CACHE = VocabularyCache()


def tuning_from(settings) -> Tuning:
    return Tuning(prompt_max_chars=settings.asr_prompt_max_chars, hotwords_max_chars=settings.asr_hotwords_max_chars,
                  max_cost=settings.asr_correct_max_cost, max_cost_word=settings.asr_correct_max_cost_word,
                  common_word_freq=settings.asr_correct_common_word_freq,
                  max_cost_short=settings.asr_correct_max_cost_short,
                  max_syllable_cost=settings.asr_correct_max_syllable_cost)


def decoding_aids(vocabulary: Vocabulary, tuning: Tuning, *, correct: bool = True):
    """(Bias for the engine, Corrector or None) for the current vocabulary, within the configured bounds."""
    from asr.port import Bias

    bias = Bias(prompt=bounded_list(vocabulary, tuning.prompt_max_chars) or None,
                hotwords=bounded_list(vocabulary, tuning.hotwords_max_chars, sep=" ") or None)
    return bias, (CACHE.corrector(vocabulary, tuning) if correct else None)
