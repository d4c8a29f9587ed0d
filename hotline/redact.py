"""Finding personal numbers in free text (mobile, landline, ID card, bank card) and blanking or masking them.

One module for every public output (Open311, public pages, department exports) and for log lines. The text
is normalised first, character by character (NFKC: full-width ０-９ and －．become ASCII), so that 
１３７１２３４５６７８, 137.1234.5678, 137 1234 5678 and 137-1234-5678 are all found; what is returned keeps the
original characters everywhere except in the blanked spans.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HIDDEN_PHONE = "[电话已隐去]"
HIDDEN_ID_CARD = "[证件号已隐去]"
HIDDEN_BANK_CARD = "[卡号已隐去]"
PLACEHOLDERS = {"phone": HIDDEN_PHONE, "id_card": HIDDEN_ID_CARD, "bank_card": HIDDEN_BANK_CARD}

# A run of digit groups joined by at most one separator each (space, dot, dash, slash, underscore, middle dot);
# an ID card's last group may end in X. A leading + (international prefix) belongs to the run.
_RUN = re.compile(r"\+?\d+(?:[ .\-_/·]\d+)*[Xx]?")
_GROUP = re.compile(r"\d+[Xx]?")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_KINDS = (
    ("phone", re.compile(r"(?:0086|86)?1[3-9]\d{9}")),           # mobile, optionally with the country code
    ("phone", re.compile(r"(?:0086|86)?0\d{2,3}\d{7,8}")),        # landline with its area code
    ("id_card", re.compile(r"\d{17}[\dXx]|\d{15}")),               # resident ID card (18, or the old 15)
    ("bank_card", re.compile(r"\d{16,19}")),                       # bank card (UnionPay 16–19 digits)
)


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str
    digits: str


def normal_view(text: str) -> str:
    """The text with every character replaced by its NFKC form when that is one character (same length)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _kind(digits: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.fullmatch(digits):
            return kind
    return None


def _card_grouping(kind: str, sizes: list[int]) -> bool:
    """How people split card numbers: ID cards 6-8-4 (region, birth date, sequence); bank cards in fours."""
    if kind == "id_card":
        return sizes == [6, 8, 4]
    return all(n == 4 for n in sizes[:-1]) and 1 <= sizes[-1] <= 4


def find(text: str) -> list[Found]:
    """Personal numbers in `text`, as spans of the original text. Within one run of digit groups the longest
    stretch of whole groups that forms a number wins; dates, amounts and case numbers (13 digits) are left."""
    view = normal_view(text)
    found: list[Found] = []
    for run in _RUN.finditer(view):
        if run.start() > 0 and view[run.start() - 1] in _WORD:
            continue  # part of a Latin word or identifier (hex ids, version strings)
        if run.end() < len(view) and view[run.end()] in _WORD:
            continue
        groups = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            best = None
            for j in range(len(groups) - 1, i - 1, -1):
                digits = "".join(g[2] for g in groups[i:j + 1])
                if "X" in digits[:-1].upper():
                    continue
                kind = _kind(digits)
                if kind != "phone" and j > i and not _card_grouping(kind, [len(g[2]) for g in groups[i:j + 1]]):
                    kind = None  # written whole, or grouped the usual way — not a date + a number, not a UUID
                if kind:
                    best = (j, kind, digits)
                    break
            if best is None:
                i += 1
                continue
            j, kind, digits = best
            start = groups[i][0]
            if i == 0 and run.group().startswith("+"):
                start = run.start()
            if kind == "phone":
                digits = re.sub(r"^(?:0086|86)(?=[01])", "", digits)
            found.append(Found(start, groups[j][1], kind, digits.upper()))
            i = j + 1
    return found


def mask_digits(digits: str) -> str:
    """138****1234; short numbers keep only their last two digits."""
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 2) + digits[-2:]


def _replace(text: str, spans: list[Found], fill) -> str:
    out, last = [], 0
    for f in spans:
        out.append(text[last:f.start])
        out.append(fill(f))
        last = f.end
    out.append(text[last:])
    return "".join(out)


def redact(text: str | None, *, phones: set[str] = frozenset(), names: set[str] = frozenset()) -> str | None:
    """Public text: every personal number blanked with a placeholder saying what it was, the case's own caller
    numbers (however written) too, and its callers' names (two characters or more) starred."""
    if not text:
        return text
    for phone in sorted((p for p in phones if p), key=len, reverse=True):
        text = text.replace(phone, HIDDEN_PHONE)
    text = _replace(text, find(text), lambda f: PLACEHOLDERS[f.kind])
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 2:
            text = text.replace(name, "*" * len(name))
    return text


def mask_text(text: str) -> str:
    """Log lines and other internal text: every personal number shown masked (138****5678)."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    return _replace(text, find(text), lambda f: mask_digits(f.digits))


def mask_number(value: str | None) -> str | None:
    """One number for a log line: masked whatever its length (a bare digit string) or, inside other text
    (a SIP URI), every personal number found masked."""
    if not value:
        return value
    bare = value.lstrip("+")
    return mask_digits(bare) if bare.isdigit() else mask_text(value)
