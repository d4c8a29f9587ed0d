"""Deadline rule sets as data: rules keyed on kind × type × urgency × complexity × channel, their
resolution (the most specific matching rule wins), the gap/overlap check, and the shipped presets.

Pure: no database. A rule leaves type, complexity or channel open (None = any). For one case the rule
that applies is the matching rule whose set of named fields contains every other match's; two matches
where neither contains the other are an overlap, and a key that no rule matches is a gap. Both are
rejected with the offending rule named. Presets live in `presets.json` beside this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import product
from pathlib import Path

from hotline.errors import ValidationFailed
from ticketing.enums import Channel, Complexity, TicketType, Urgency

PRESETS_FILE = Path(__file__).with_name("presets.json")
MAX_AMOUNT = 1000  # sanity bound for a rule amount (hours or days)


class DeadlineKind(StrEnum):
    HANDLE = "handle"  # the case deadline: close (办结)
    FIRST_CONTACT = "first_contact"  # first contact with the caller (联系)
    REPLY = "reply"  # the department's answer (答复)


class DeadlineUnit(StrEnum):
    WORKING_DAYS = "working_days"  # end of the Nth working day after the acceptance day
    NATURAL_DAYS = "natural_days"  # end of the Nth calendar day after the acceptance day
    HOURS = "hours"  # wall clock, never paused by holidays


KINDS = frozenset(k.value for k in DeadlineKind)
UNITS = frozenset(u.value for u in DeadlineUnit)
URGENCIES = frozenset(u.value for u in Urgency)
COMPLEXITIES = frozenset(c.value for c in Complexity)
CHANNELS = frozenset(c.value for c in Channel)
TYPES = frozenset(t.value for t in TicketType)
# Nesting order: first contact ≤ reply ≤ close.
NESTED = (DeadlineKind.FIRST_CONTACT.value, DeadlineKind.REPLY.value, DeadlineKind.HANDLE.value)

KIND_ZH = {"first_contact": "首次联系时限", "reply": "答复时限", "handle": "办结时限"}
UNIT_ZH = {"working_days": "个工作日", "natural_days": "个自然日", "hours": "小时"}
COMPLEXITY_ZH = {"simple": "简单", "general": "一般", "complex": "复杂"}


@dataclass(frozen=True)
class RuleSpec:
    unit: str
    amount: int


# (kind, ticket_type, urgency, complexity, channel); None = any, except kind and urgency.
RuleKey = tuple[str, str | None, str, str | None, str | None]


def full_key(key: tuple) -> RuleKey:
    """A 3-field key (kind, type, urgency) of the older API as a full key (any complexity, any channel)."""
    if len(key) == 3:
        return (key[0], key[1], key[2], None, None)
    if len(key) == 5:
        return tuple(key)  # type: ignore[return-value]
    raise ValidationFailed("a rule key has 3 or 5 fields", key=list(key))


def describe(key: RuleKey) -> str:
    """The rule's key in words, for error messages: kind/type/urgency/complexity/channel, '*' = any."""
    return "/".join(part or "*" for part in key)


def describe_zh(rule: str) -> str:
    """A rule written by `describe` in Chinese, for the console: 办结时限·投诉·非紧急·复杂·全部渠道."""
    from ticketing.enums import LABELS_ZH

    kind, ticket_type, urgency, complexity, channel = (rule.split("/") + ["*"] * 5)[:5]
    return "·".join([KIND_ZH.get(kind, kind), LABELS_ZH.get(ticket_type, "全部类型"), LABELS_ZH.get(urgency, urgency),
                     COMPLEXITY_ZH.get(complexity, "任意复杂程度"), LABELS_ZH.get(channel, "全部渠道")])


def check_rule(*, kind: str, urgency: str, unit: str, amount: int, ticket_type: str | None = None,
               complexity: str | None = None, channel: str | None = None) -> None:
    """Raise ValidationFailed unless the rule fields are from the known vocabularies and amount is sane."""
    for value, allowed, name in ((kind, KINDS, "kind"), (urgency, URGENCIES, "urgency"), (unit, UNITS, "unit")):
        if value not in allowed:
            raise ValidationFailed(f"unknown {name} {value!r}", field=name, allowed=sorted(allowed))
    for value, allowed, name in ((ticket_type, TYPES, "ticket_type"), (complexity, COMPLEXITIES, "complexity"),
                                 (channel, CHANNELS, "channel")):
        if value is not None and value not in allowed:
            raise ValidationFailed(f"unknown {name} {value!r}", field=name, allowed=sorted(allowed))
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= MAX_AMOUNT:
        raise ValidationFailed(f"amount must be an integer between 0 and {MAX_AMOUNT}", amount=amount)


def _named(key: RuleKey) -> frozenset[int]:
    """Positions of the optional fields (type 1, complexity 3, channel 4) the rule names."""
    return frozenset(i for i in (1, 3, 4) if key[i] is not None)


class RuleSet:
    """The rules of one locality. `resolve` gives the rule for a case; `check` finds gaps and overlaps."""

    def __init__(self, name: str, rules: Mapping[tuple, RuleSpec]) -> None:
        self.name = name
        self.rules: dict[RuleKey, RuleSpec] = {full_key(k): v for k, v in rules.items()}
        self._by_kind_urgency: dict[tuple[str, str], list[RuleKey]] = {}
        for key in self.rules:
            self._by_kind_urgency.setdefault((key[0], key[2]), []).append(key)
        self._memo: dict[RuleKey, RuleKey | None] = {}

    def matching(self, query: RuleKey) -> list[RuleKey]:
        return [k for k in self._by_kind_urgency.get((query[0], query[2]), ())
                if all(k[i] is None or k[i] == query[i] for i in (1, 3, 4))]

    def winner(self, query: RuleKey) -> RuleKey | None:
        """The key of the rule that applies to `query` (None: a gap); an overlap raises ValidationFailed."""
        if query in self._memo:
            return self._memo[query]
        matches = self.matching(query)
        best = None
        if matches:
            best = max(matches, key=lambda k: len(_named(k)))
            for other in matches:
                if other != best and not _named(other) <= _named(best):
                    raise ValidationFailed(
                        f"rule set {self.name}: rules {describe(best)} and {describe(other)} overlap "
                        f"(both apply to {describe(query)}, neither is more specific)",
                        rule=describe(other), other=describe(best), problem="overlap", locality=self.name)
        self._memo[query] = best
        return best

    def resolve(self, query: RuleKey) -> RuleSpec | None:
        key = self.winner(query)
        return None if key is None else self.rules[key]

    def check(self) -> None:
        """Reject a gap (a case key no rule covers) or an overlap, naming the rule."""
        for key in self.rules:
            check_rule(kind=key[0], ticket_type=key[1], urgency=key[2], complexity=key[3], channel=key[4],
                       unit=self.rules[key].unit, amount=self.rules[key].amount)
        for query in product(sorted(KINDS), sorted(TYPES), sorted(URGENCIES), sorted(COMPLEXITIES),
                             sorted(CHANNELS)):
            if self.winner(query) is None:
                raise ValidationFailed(f"rule set {self.name}: no rule covers {describe(query)} (a gap)",
                                       rule=describe(query), problem="gap", locality=self.name)

    def overlaid(self, rules: Mapping[tuple, RuleSpec], *, name: str | None = None) -> RuleSet:
        """This set with `rules` added (same key: replaced)."""
        return RuleSet(name or self.name, {**self.rules, **{full_key(k): v for k, v in rules.items()}})


# --- presets -------------------------------------------------------------------------------------------


def _as_list(value, allowed: frozenset[str], field: str, *, optional: bool) -> list[str | None]:
    if value is None or value == "*":
        if not optional:
            raise ValidationFailed(f"preset rule needs {field}", field=field)
        return [None] if field != "urgency" else sorted(allowed)
    values = value if isinstance(value, list) else [value]
    for v in values:
        if v not in allowed:
            raise ValidationFailed(f"unknown {field} {v!r} in a preset", field=field, allowed=sorted(allowed))
    return list(values)


def expand(entries: Iterable[Mapping]) -> dict[RuleKey, RuleSpec]:
    """Preset rows (fields may be lists or '*') as one rule per key; a repeated key is an overlap."""
    rules: dict[RuleKey, RuleSpec] = {}
    for entry in entries:
        kinds = _as_list(entry.get("kind"), KINDS, "kind", optional=False)
        keys = product(kinds, _as_list(entry.get("type"), TYPES, "type", optional=True),
                       _as_list(entry.get("urgency"), URGENCIES, "urgency", optional=True),
                       _as_list(entry.get("complexity"), COMPLEXITIES, "complexity", optional=True),
                       _as_list(entry.get("channel"), CHANNELS, "channel", optional=True))
        spec = RuleSpec(entry["unit"], entry["amount"])
        for key in keys:
            if key in rules:
                raise ValidationFailed(f"rule {describe(key)} is given twice (an overlap)", rule=describe(key))
            rules[key] = spec
    return rules


@cache
def _preset_data() -> dict:
    return json.loads(PRESETS_FILE.read_text(encoding="utf-8"))["presets"]


def preset_names() -> list[str]:
    return sorted(_preset_data())


def preset_info(name: str) -> dict:
    """Title, source and notes of a preset (for the console and the README)."""
    data = _preset_data()[name]
    return {"name": name, "title": data["title"], "source": data.get("source", ""), "notes": data.get("notes", [])}


def preset(name: str) -> RuleSet | None:
    """A shipped rule set by locality name, or None. `default` is built from Settings, not from here."""
    data = _preset_data().get(name)
    if data is None:
        return None
    return RuleSet(name, expand(data["rules"]))
