"""The emergency rule layer of triage: danger words matched in the text AND in its fuzzy pinyin (so a
recognizer's homophones still fire), danger described without a keyword (regular expressions over the text),
and the cues that cancel a hit (negation, a past event, a danger already over). Pure: no model, no database.

The rules are data (settings.triage_rules_path, default emergency_rules.json beside this module); see the
file's `_doc`. A hit names the service the call must go to (110/119/120/122) and why."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ticketing.triage.sounds import (
    fuzzy,
    is_han,
    sound_pattern,
    sound_text,
    syllables,
    word_bounds,
)

DEFAULT_RULES = Path(__file__).with_name("emergency_rules.json")
SERVICES = ("110", "119", "120", "122")
FALLBACK_SERVICE = "110"  # a cry for help with no other clue goes to the police, who dispatch the rest
CLAUSE_END = re.compile(r"[，,。！？!?；;、\n]")
SENTENCE_END = "。！？!?\n"
QUOTES = (("“", "”"), ("「", "」"), ("《", "》"), ('"', '"'))
MAX_HITS_PER_RULE = 12  # enough to find one that counts; bounds the work on a pathological text
MAX_SCAN_CHARS = 20_000  # longer texts are scanned up to here (the content limit is lower anyway)

@dataclass(frozen=True)
class Rule:
    service: str | None
    reason: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    word_syllables: tuple[tuple[str, ...], ...]
    sound_patterns: tuple[re.Pattern, ...] = ()  # the patterns over sound_text (homophones match)
    pattern_chars: frozenset[str] = frozenset()  # the Chinese characters the patterns are written with


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    negators: tuple[str, ...]
    not_negators: tuple[str, ...]
    past: tuple[str, ...]
    resolved: tuple[str, ...]
    ongoing: tuple[str, ...]
    negation_window: int
    resolved_window: int
    homophone_ignore: frozenset[str] = frozenset()
    hypothetical: tuple[str, ...] = ()  # 假如, 万一, 差点: the danger did not happen
    denials: tuple[str, ...] = ()  # explicit denials that cancel a pattern's danger word inside its match
    similes: tuple[str, ...] = ()  # 跟着火了似的: a comparison, not a danger
    paperwork: tuple[str, ...] = ()  # 理赔, 事故认定书: asking about the aftermath of something over
    not_danger: tuple[str, ...] = ()  # phrases holding a danger word that name a thing (烟雾报警器)
    steady_ongoing_exclude: tuple[str, ...] = ()  # ongoing cues that do not keep a hypothetical danger live  # everyday words never taken for the danger word they sound like


@dataclass(frozen=True)
class Hit:
    service: str | None
    reason: str
    found: str  # the words of the text that matched
    start: int
    end: int
    how: str  # "text" | "pinyin" | "pattern"
    cancelled: str | None = None  # why the hit does not count (negated, past, over)


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one text: urgent or not, the service, and the reasons (Chinese)."""

    urgent: bool
    service: str | None
    hits: tuple[Hit, ...] = field(default=())
    cancelled: tuple[Hit, ...] = field(default=())

    @property
    def reasons(self) -> list[str]:
        out = [f"{h.reason}：“{h.found}”" + ("（按拼音识别）" if h.how == "pinyin" else "") for h in self.hits]
        out += [f"未计入“{h.found}”：{h.cancelled}" for h in self.cancelled]
        return out


# characters too common to show that a homophone is the danger word (杀了我 ~ 收了我 keeps only 了我)
_FUNCTION_CHARS = frozenset("了我你他她它的在是有个一不吗呢啊吧就都也把被和又还")


def _catalogue_rules(data: dict) -> list[dict]:
    """Rules from the catalogue's emergency matters (their cue words), when the rule file asks for them."""
    if not data.get("catalogue_words"):
        return []
    import csv

    path = Path(__file__).resolve().parent.parent / "org" / "data" / "catalogue.csv"
    if not path.is_file():
        return []
    ignore = set(data.get("catalogue_words_ignore", []))
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("emergency") or "").strip() in SERVICES]
    return [{"service": r["emergency"].strip(), "reason": f"紧急事项：{r['name']}", "pinyin": False,
             "words": [w for w in (r.get("keywords") or "").split() if len(w) >= 2 and w not in ignore]}
            for r in rows]


def parse_rules(data: dict) -> RuleSet:
    rules = []
    generic = [r for r in data["rules"] if r.get("service") is None]
    specific = [r for r in data["rules"] if r.get("service") is not None]
    # The catalogue's own emergency matters come first: the locality's catalogue decides the service.
    for raw in _catalogue_rules(data) + specific + generic:
        service = raw.get("service")
        if service is not None and service not in SERVICES:
            raise ValueError(f"unknown emergency service {service!r}")
        words = tuple(w for w in raw.get("words", []) if w)
        patterns = raw.get("patterns", [])
        by_sound = raw.get("pinyin", True)
        rules.append(Rule(service=service, reason=raw["reason"], words=words,
                          patterns=tuple(re.compile(p) for p in patterns),
                          word_syllables=tuple(tuple(syllables(w)) if by_sound else () for w in words),
                          sound_patterns=tuple(re.compile(sound_pattern(p)) for p in patterns) if by_sound else (),
                          pattern_chars=frozenset(ch for p in patterns for ch in p if is_han(ch))))
    return RuleSet(rules=tuple(rules), negators=tuple(sorted(data["negators"], key=len, reverse=True)),
                   not_negators=tuple(data.get("not_negators", [])), past=tuple(data["past"]),
                   resolved=tuple(data["resolved"]), ongoing=tuple(data["ongoing"]),
                   negation_window=int(data.get("negation_window", 4)),
                   resolved_window=int(data.get("resolved_window", 40)),
                   homophone_ignore=frozenset(data.get("homophone_ignore", [])),
                   hypothetical=tuple(data.get("hypothetical", [])), denials=tuple(data.get("denials", [])),
                   similes=tuple(data.get("similes", [])), paperwork=tuple(data.get("paperwork", [])),
                   not_danger=tuple(data.get("not_danger", [])),
                   steady_ongoing_exclude=tuple(data.get("steady_ongoing_exclude", [])))


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> RuleSet:
    return parse_rules(json.loads(Path(path).read_text(encoding="utf-8")))


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules from `path` (default: the packaged file), re-read when the file changes. A broken custom
    file raises; callers fall back to the packaged rules (see `triage.engine`)."""
    path = Path(path or DEFAULT_RULES).resolve()
    return _load(str(path), path.stat().st_mtime)


def _syllable_match(hay: list[str], needle: tuple[str, ...], at: int, text: str = "", word: str = "") -> bool:
    """Fuzzy syllables equal (or the very character: 着 has several readings); a word of 4+ syllables may
    differ in one syllable that keeps its initial (电梯困人 ~ 电梯快人)."""
    slack = 1 if len(needle) >= 4 else 0
    for i, want in enumerate(needle):
        got = hay[at + i]
        if got == want or (word and text[at + i] == word[i]):
            continue
        if not got or slack == 0 or got.split("|")[0] != want.split("|")[0]:
            return False
        slack -= 1
    return True


def _index(sylls: list[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for at, syllable in enumerate(sylls):
        if syllable:
            where.setdefault(syllable, []).append(at)
    return where


def _word_hits(rule: Rule, text: str, sylls: list[str], where: dict[str, list[int]], sounds: str) -> list[Hit]:
    hits = []
    for word, needle in zip(rule.words, rule.word_syllables, strict=True):
        start = text.find(word)
        while start >= 0:
            hits.append(Hit(rule.service, rule.reason, word, start, start + len(word), "text"))
            start = text.find(word, start + 1)
        if not needle or not all(needle):
            continue
        starts = set(where.get(needle[0], ()))
        at = text.find(word[0])
        while at >= 0 and len(starts) < 200:
            starts.add(at)
            at = text.find(word[0], at + 1)
        if len(needle) >= 3:  # the first syllable may be the one that differs
            starts.update(at - 1 for at in where.get(needle[1], ()) if at > 0)
        for at in sorted(starts):
            if at + len(needle) <= len(sylls) and _syllable_match(sylls, needle, at, text, word):
                found = text[at:at + len(needle)]
                kept = [a for a, b in zip(found, word, strict=True) if a == b]
                if found != word and len(kept) >= (1 if len(word) <= 2 else 2) \
                        and any(ch not in _FUNCTION_CHARS for ch in kept) \
                        and {at, at + len(needle)} <= word_bounds(text):  # a real character, not across words
                    hits.append(Hit(rule.service, rule.reason, found, at, at + len(needle), "pinyin"))
    seen = set()
    for pattern in rule.patterns:
        for m in pattern.finditer(text):
            seen.add((m.start(), m.end()))
            hits.append(Hit(rule.service, rule.reason, m.group(0), m.start(), m.end(), "pattern"))
    for pattern in rule.sound_patterns:
        for m in pattern.finditer(sounds):
            start, end = m.start() // 2, m.end() // 2
            found = text[start:end]
            kept = sum(1 for ch in found if ch in rule.pattern_chars)
            if (start, end) not in seen and kept >= 2:  # a homophone keeps some of the pattern's words
                hits.append(Hit(rule.service, rule.reason, found, start, end, "pinyin"))
    return hits


def _clause(breaks: list[int], at: int, text_len: int) -> tuple[int, int]:
    """Start and end of the clause holding position `at` (clauses end at CLAUSE_END punctuation)."""
    k = bisect.bisect_right(breaks, at)
    return (breaks[k - 1] if k else 0), (breaks[k] if k < len(breaks) else text_len)


def _quoted(text: str, at: int) -> bool:
    """Position `at` lies inside quotation marks (a shop or product name: “火锅大爆炸”)."""
    for left, right in QUOTES:
        start = text.rfind(left, 0, at)
        if start >= 0 and text.find(right, start + 1) >= at and (left != right or text.count(left, 0, at) % 2):
            return True
    return False


def _why_cancelled(rs: RuleSet, text: str, hit: Hit, breaks: list[int]) -> str | None:
    clause_start, clause_end = _clause(breaks, hit.start, len(text))
    next_end = _clause(breaks, clause_end, len(text))[1] if clause_end < len(text) else clause_end
    lead_start = max(0, hit.start - rs.negation_window - 2)
    lead = text[lead_start:hit.end]
    for phrase in rs.not_negators:  # 有没有 / 是不是 ask, 消防 names: their 没 / 不 / 防 negate nothing
        lead = lead.replace(phrase, " " * len(phrase))
    before = lead[max(clause_start, hit.start - rs.negation_window) - lead_start:hit.start - lead_start]
    if any(n in before for n in rs.negators):
        return "前有否定词"
    inside = text[max(hit.start, hit.end - 1 - rs.negation_window):hit.end - 1]
    if hit.how != "text" and any(n in inside for n in rs.denials):  # 燃气表走得快，不是漏气
        return "前有否定词"
    if _quoted(text, hit.start):
        return "引号里的名字"
    around = text[max(0, hit.start - 6):min(len(text), hit.end + 6)]
    for phrase in rs.not_danger:  # 烟雾报警器, 急救员证: the word names a thing, not a danger
        at = around.find(phrase)
        if at >= 0 and at <= hit.start - max(0, hit.start - 6) < at + len(phrase):
            return f"说的是“{phrase}”"
    after = text[hit.end:min(clause_end, hit.end + 4)]
    if any(c in after for c in rs.similes):
        return "只是打比方"
    next_opening = text[clause_end:min(next_end, clause_end + 4)]  # 前几天就有煤气味，到现在还有
    goes_on = any(o in text[clause_start:clause_end] or o in next_opening for o in rs.ongoing)
    # 刚才 / 救命 say when and how loud, not that an imagined or finished danger is real after all
    steady = any(o in text[clause_start:clause_end] or o in next_opening for o in rs.ongoing
                 if o not in rs.steady_ongoing_exclude)
    sentence_start = max((text.rfind(p, 0, hit.start) for p in SENTENCE_END), default=-1) + 1
    if any(h in text[sentence_start:hit.start] for h in rs.hypothetical) and not steady:
        return "说的是假设或担心"
    sentence = text[sentence_start:hit.start]
    past_word = (text[hit.end:hit.end + 1] == "过" and "过" not in hit.found) \
        or any(p in sentence for p in rs.past)
    if past_word and not goes_on:
        return "说的是过去的事"
    if any(p in text[sentence_start:min(len(text), hit.end + 30)] for p in rs.paperwork) and not steady:
        return "问的是事后的手续"
    tail = text[hit.end:min(len(text), hit.end + rs.resolved_window)]
    for cue in rs.resolved:
        at = tail.find(cue)
        if at >= 0:
            cue_end = _clause(breaks, hit.end + at, len(text))[1]
            if not any(o in text[hit.end + at + len(cue):cue_end] for o in rs.ongoing):
                return f"已经过去（“{cue}”）"
        at = text.rfind(cue, 0, clause_start)  # said before, in an earlier clause: 火已经灭了，想问问…
        if at >= 0 and not goes_on:
            return f"已经过去（“{cue}”）"
    return None


def judge(text: str | None, rules: RuleSet) -> Verdict:
    """The rules' verdict on one text (see the module doc). Never raises on odd input."""
    text = (text or "")[:MAX_SCAN_CHARS]
    if not text.strip():
        return Verdict(urgent=False, service=None)
    sylls = syllables(text)
    where = _index(sylls)
    sounds = sound_text(text)
    live: list[Hit] = []
    cancelled: list[Hit] = []
    breaks = [m.end() for m in CLAUSE_END.finditer(text)]
    for rule in rules.rules:
        for hit in _word_hits(rule, text, sylls, where, sounds)[:MAX_HITS_PER_RULE]:
            if hit.how == "pinyin" and any(w in hit.found for w in rules.homophone_ignore):
                continue
            why = _why_cancelled(rules, text, hit, breaks)
            if why is None:
                live.append(hit)
            else:
                cancelled.append(Hit(hit.service, hit.reason, hit.found, hit.start, hit.end, hit.how, why))
    live = _dedupe(live)
    cancelled = [h for h in _dedupe(cancelled) if not any(_overlap(h, k) for k in live)]
    if not live:
        return Verdict(urgent=False, service=None, cancelled=tuple(cancelled))
    service = next((h.service for h in live if h.service), None)
    return Verdict(urgent=True, service=service, hits=tuple(live), cancelled=tuple(cancelled))


def _overlap(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Keep rule order (it decides the service) but drop a hit inside a longer one of the same service."""
    out: list[Hit] = []
    for hit in hits:
        if any(_overlap(hit, k) and k.service == hit.service for k in out):
            continue
        out.append(hit)
    return out


__all__ = ["FALLBACK_SERVICE", "SERVICES", "Hit", "RuleSet", "Verdict", "fuzzy", "judge", "load_rules",
           "parse_rules", "sound_pattern", "sound_text", "syllables"]
