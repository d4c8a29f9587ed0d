"""How Chinese text sounds, for matching that survives a recognizer's homophones: fuzzy toneless pinyin per
character (zh/z/j, ch/c/q, sh/s/x, n/l/r and -ng/-n folded), a text interleaved with stand-ins of its sounds so
a regular expression can ask for a character or anything that sounds like it, and jieba's word boundaries.
Pure: pypinyin and jieba only."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
             "z", "c", "s", "y", "w")
_MERGE_INITIAL = {"zh": "z", "ch": "c", "sh": "s", "j": "z", "q": "c", "x": "s", "n": "l", "r": "l"}


def fuzzy(syllable: str) -> str:
    """A toneless syllable folded the way recognizers confuse them: zh/z/j, ch/c/q, sh/s/x, n/l/r, and
    -ng/-n; the medial i after j/q/x is dropped (jiao ~ zhao, xie ~ she)."""
    if not syllable:
        return ""
    initial = next((i for i in _INITIALS if syllable.startswith(i)), "")
    final = syllable[len(initial):]
    if initial in ("j", "q", "x") and final == "i":
        return initial + "|i"  # ji/qi/xi stay apart from zi/ci/si and zhi/chi/shi
    if initial in ("j", "q", "x") and final.startswith("i") and len(final) > 1:
        final = final[1:]
    if final.endswith("ng"):
        final = final[:-1]
    return _MERGE_INITIAL.get(initial, initial) + "|" + final


def syllables(text: str) -> list[str]:
    """One fuzzy syllable per character of `text` ('' for a character that is not Chinese)."""
    return list(_syllables(text))


@lru_cache(maxsize=512)
def _syllables(text: str) -> tuple[str, ...]:  # the rules and the model both read a text's pinyin
    return tuple(fuzzy(s) for s in lazy_pinyin(text, errors=lambda chunk: [""] * len(chunk)))


_SOUNDS: dict[str, str] = {}  # fuzzy syllable -> one private-use character standing for every homophone


def _sound(syllable: str) -> str:
    return _SOUNDS.setdefault(syllable, chr(0xE000 + len(_SOUNDS)))


def sound_text(text: str) -> str:
    """Each character of `text` followed by the stand-in of its fuzzy syllable (itself when not Chinese):
    character i is at 2i, its sound at 2i + 1, so a pattern from `sound_pattern` can ask for either."""
    return "".join(ch + (_sound(s) if s else ch) for ch, s in zip(text, syllables(text), strict=True))


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def _atoms(pattern: str):
    """The pattern's pieces: (kind, text) with kind "han" (a Chinese character), "atom" (., a class, an
    escape, any other literal) or "syntax" (groups, alternation, quantifiers)."""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            yield "atom", pattern[i:i + 2]
            i += 2
        elif ch == "[":
            close = pattern.index("]", i + 1)
            yield "atom", pattern[i:close + 1]
            i = close + 1
        elif ch == "{":
            close = pattern.index("}", i)
            yield "syntax", pattern[i:close + 1]
            i = close + 1
        elif ch in "()|?*+":
            yield "syntax", ch
            i += 1
        else:
            yield ("han" if is_han(ch) else "atom"), (ch if ch == "." or is_han(ch) else re.escape(ch))
            i += 1


def sound_pattern(pattern: str) -> str:
    """A regular expression over text turned into one over `sound_text`. A Chinese character inside a word of
    the pattern (two or more in a row, 倒在, 池塘) matches any character that sounds alike (fuzzy pinyin of its
    reading in that word: 着火 → zhao); a character standing alone (人|他) must be the character itself, as must
    classes and other symbols: single-syllable homophones are too common to count."""
    atoms = list(_atoms(pattern))
    sounds: dict[int, str] = {}
    k = 0
    while k < len(atoms):
        end = k
        while end < len(atoms) and atoms[end][0] == "han":
            end += 1
        if end - k >= 2:  # a word: its characters read as they are read together
            for j, reading in zip(range(k, end), lazy_pinyin("".join(t for _, t in atoms[k:end])), strict=True):
                sounds[j] = _sound(fuzzy(reading)) if fuzzy(reading) else ""
        k = max(end, k + 1)
    out = []
    for j, (kind, text) in enumerate(atoms):
        if kind == "syntax":
            out.append(text)
        elif sounds.get(j):
            out.append(f"(?:.{sounds[j]})")
        else:
            out.append(f"(?:{text}.)" if text != "." else "(?:..)")
    return "".join(out)


@lru_cache(maxsize=512)
def word_bounds(text: str) -> frozenset[int]:
    """Positions where jieba (dictionary only) puts a word boundary: a homophone must not straddle a word
    (小区电梯 holds 区电 ~ 触电, 那家保健品 holds 家保 ~ 家暴)."""
    import jieba

    bounds, at = {0}, 0
    for word in jieba.lcut(text, HMM=False):
        at += len(word)
        bounds.add(at)
    return frozenset(bounds)


__all__ = ["fuzzy", "is_han", "sound_pattern", "sound_text", "syllables", "word_bounds"]
