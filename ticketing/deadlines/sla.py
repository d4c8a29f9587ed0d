"""Deadline (SLA) policy: which rule applies to a case, its three nested due times (first contact ≤
reply ≤ close), extensions and the traffic light.

Pure computation: no database, no library calls per deadline. `ticketing.deadlines.service.load_policy`
builds a policy from a rule set (a preset or Settings defaults) and the rules and overrides tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotline.errors import ValidationFailed
from hotline.settings import Settings
from ticketing.deadlines.rulesets import (
    KINDS,
    MAX_AMOUNT,
    NESTED,
    UNITS,
    URGENCIES,
    Complexity,
    DeadlineKind,
    DeadlineUnit,
    RuleKey,
    RuleSet,
    RuleSpec,
    check_rule,
    full_key,
    preset,
)
from ticketing.deadlines.workdays import WorkCalendar
from ticketing.enums import Light, Urgency

__all__ = ["KINDS", "MAX_AMOUNT", "UNITS", "URGENCIES", "Complexity", "DeadlineKind", "DeadlinePolicy",
           "DeadlineUnit", "Limits", "RuleKey", "RuleSpec", "check_rule", "default_rules", "light_for",
           "yellow_window"]

DEFAULT_COMPLEXITY = Complexity.GENERAL.value
_HOURS, _NATURAL_DAYS = DeadlineUnit.HOURS.value, DeadlineUnit.NATURAL_DAYS.value
_OUTER = {kind: NESTED[i:] for i, kind in enumerate(NESTED)}  # a limit and the ones that bound it


def default_rules(settings: Settings) -> dict[tuple[str, str], RuleSpec]:
    """The `default` rule set, from Settings: (kind, urgency) → rule for any type, complexity, channel.
    The reply limit equals the close limit (today's single handling deadline)."""
    working, hours = DeadlineUnit.WORKING_DAYS.value, DeadlineUnit.HOURS.value
    first_contact = RuleSpec(working, settings.first_contact_working_days)
    normal, urgent = RuleSpec(working, settings.normal_working_days), RuleSpec(hours, settings.urgent_hours)
    return {
        (DeadlineKind.HANDLE.value, Urgency.NORMAL.value): normal,
        (DeadlineKind.HANDLE.value, Urgency.URGENT.value): urgent,
        (DeadlineKind.REPLY.value, Urgency.NORMAL.value): normal,
        (DeadlineKind.REPLY.value, Urgency.URGENT.value): urgent,
        (DeadlineKind.FIRST_CONTACT.value, Urgency.NORMAL.value): first_contact,
        (DeadlineKind.FIRST_CONTACT.value, Urgency.URGENT.value): first_contact,
    }


def base_rule_set(locality: str, settings: Settings) -> RuleSet:
    """The shipped preset named `locality`, else the Settings defaults (`default` and custom localities)."""
    found = preset(locality)
    if found is not None:
        return found
    return RuleSet(locality, {(kind, None, urgency): spec for (kind, urgency), spec in default_rules(settings).items()})


@dataclass(frozen=True)
class Limits:
    """The three due times of one case (UTC), nested, and the rules they came from."""

    first_contact: datetime
    reply: datetime
    handle: datetime
    specs: dict[str, RuleSpec]

    def stored(self) -> dict[str, dict]:
        """What a ticket keeps of the rules it got (JSON)."""
        return {kind: {"unit": spec.unit, "amount": spec.amount} for kind, spec in self.specs.items()}


class DeadlinePolicy:
    """Rules of one locality on one working-day calendar."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        defaults: Mapping[tuple[str, str], RuleSpec],
        rules: Mapping[tuple, RuleSpec] | None = None,
        yellow_hours: int = 24,
        yellow_share: float = 0.5,
        max_extension_working_days: int = 15,
        rule_set: RuleSet | None = None,
        name: str = "default",
    ) -> None:
        self.calendar = calendar
        self.tz = calendar.tz
        self.yellow_hours = yellow_hours
        self.yellow_share = yellow_share
        self.max_extension_working_days = max_extension_working_days
        self._defaults = dict(defaults)
        base = rule_set or RuleSet(name, {})
        self.rule_set = base.overlaid({full_key(k): v for k, v in (rules or {}).items()}, name=base.name)
        self.name = self.rule_set.name
        self._specs: dict[RuleKey, RuleSpec] = {}
        self._chains: dict[RuleKey, tuple[RuleSpec, ...]] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, *, calendar: WorkCalendar | None = None,
        rules: Mapping[tuple, RuleSpec] | None = None, locality: str | None = None,
    ) -> DeadlinePolicy:
        name = locality or settings.locality
        return cls(
            calendar or WorkCalendar(settings.tz),
            defaults=default_rules(settings),
            rules=rules,
            yellow_hours=settings.yellow_hours,
            yellow_share=settings.yellow_share,
            max_extension_working_days=settings.max_extension_working_days,
            rule_set=base_rule_set(name, settings),
        )

    def rule_for(self, *, kind: str, urgency: str, ticket_type: str | None, complexity: str | None = None,
                 channel: str | None = None) -> RuleSpec:
        """The most specific rule of the set, then the Settings default for (kind, urgency). Memoized."""
        key = (kind, ticket_type, urgency, complexity or DEFAULT_COMPLEXITY, channel)
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = self._resolve(key)
        return spec

    def _resolve(self, key: RuleKey) -> RuleSpec:
        kind, urgency = key[0], key[2]
        spec = self.rule_set.resolve(key)
        if spec is None:
            spec = self._defaults.get((kind, urgency))
            if spec is None and kind == DeadlineKind.REPLY.value:
                spec = self._defaults.get((DeadlineKind.HANDLE.value, urgency))
        if spec is None:
            if kind not in KINDS:
                raise ValidationFailed(f"unknown deadline kind {kind!r}", allowed=sorted(KINDS))
            raise ValidationFailed(f"unknown urgency {urgency!r}", allowed=sorted(URGENCIES))
        return spec

    def _raw_due(self, accepted_at: datetime, spec: RuleSpec) -> datetime:
        if spec.unit == _HOURS:
            return (accepted_at + timedelta(hours=spec.amount)).astimezone(UTC)
        if spec.unit == _NATURAL_DAYS:
            return self.calendar.end_of_nth_day_after(accepted_at, spec.amount)
        return self.calendar.end_of_nth_workday_after(accepted_at, spec.amount)

    def limits(self, accepted_at: datetime, *, urgency: str, ticket_type: str | None,
               complexity: str | None = None, channel: str | None = None) -> Limits:
        """First contact, reply and close due times. They nest by construction: a limit never falls after
        the one that follows it (an urgent case's first contact is due no later than its close)."""
        if accepted_at.tzinfo is None:
            raise ValidationFailed("accepted_at must be timezone-aware", value=accepted_at.isoformat())
        specs = {kind: self.rule_for(kind=kind, urgency=urgency, ticket_type=ticket_type, complexity=complexity,
                                     channel=channel) for kind in NESTED}
        due = {kind: self._raw_due(accepted_at, specs[kind]) for kind in NESTED}
        for inner, outer in ((NESTED[1], NESTED[2]), (NESTED[0], NESTED[1])):
            due[inner] = min(due[inner], due[outer])
        return Limits(first_contact=due[NESTED[0]], reply=due[NESTED[1]], handle=due[NESTED[2]], specs=specs)

    def due(self, accepted_at: datetime, *, urgency: str, ticket_type: str | None, kind: str = "handle",
            complexity: str | None = None, channel: str | None = None) -> datetime:
        """When a case accepted at `accepted_at` is due (UTC), for one kind of limit (nested as in `limits`)."""
        if kind not in KINDS:
            raise ValidationFailed(f"unknown deadline kind {kind!r}", allowed=sorted(KINDS))
        if accepted_at.tzinfo is None:
            raise ValidationFailed("accepted_at must be timezone-aware", value=accepted_at.isoformat())
        # The same nesting as `limits`, computing only the limits that can bound this one.
        key = (kind, ticket_type, urgency, complexity or DEFAULT_COMPLEXITY, channel)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._chain(key)
        result = self._raw_due(accepted_at, chain[0])
        for spec in chain[1:]:
            result = min(result, self._raw_due(accepted_at, spec))
        return result

    def _chain(self, key: RuleKey) -> tuple[RuleSpec, ...]:
        """The rules whose due times bound the limit `key`: its own, then each outer limit's unless it is
        in the same unit and no shorter than one already taken (then it cannot fall earlier)."""
        chain: list[RuleSpec] = []
        for outer in _OUTER[key[0]]:
            spec = self.rule_for(kind=outer, urgency=key[2], ticket_type=key[1], complexity=key[3], channel=key[4])
            if not any(s.unit == spec.unit and s.amount <= spec.amount for s in chain):
                chain.append(spec)
        return tuple(chain)

    def extend(self, due_at: datetime, working_days: int) -> datetime:
        """New due: end of the Nth working day after the old due's local day."""
        if not 1 <= working_days <= self.max_extension_working_days:
            raise ValidationFailed(
                f"an extension must be 1 to {self.max_extension_working_days} working days",
                working_days=working_days,
            )
        return self.calendar.end_of_nth_workday_after(due_at, working_days)

    def light(self, due_at: datetime, now: datetime, *, closed_at: datetime | None = None,
              start: datetime | None = None) -> Light:
        return light_for(due_at, now, yellow_hours=self.yellow_hours, closed_at=closed_at, start=start,
                         yellow_share=self.yellow_share)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the policy's local time zone (for display)."""
        return moment.astimezone(self.tz)


def yellow_window(due_at: datetime, *, yellow_hours: float, start: datetime | None = None,
                  yellow_share: float | None = None) -> timedelta:
    """How long before the due time a limit is yellow: `yellow_share` of the limit (due − start), capped
    at `yellow_hours`; without a start, `yellow_hours` itself (the older rule)."""
    cap = timedelta(hours=yellow_hours)
    if start is None or yellow_share is None:
        return cap
    return min(cap, max(due_at - start, timedelta(0)) * yellow_share)


def light_for(due_at: datetime, now: datetime, *, yellow_hours: float, closed_at: datetime | None = None,
              start: datetime | None = None, yellow_share: float | None = None) -> Light:
    """Green, yellow (inside the yellow window, due time itself still on time) or red (overdue).
    A met limit (closed_at: when it was met) is red if met after its due time, else green.
    With `start` and `yellow_share` the window scales with the limit, so no limit is born yellow."""
    if closed_at is not None:
        return Light.RED if closed_at > due_at else Light.GREEN
    if now > due_at:
        return Light.RED
    left = (due_at - now).total_seconds()
    if left < yellow_hours * 3600.0 and (start is None or yellow_share is None
                                          or left < yellow_share * (due_at - start).total_seconds()):
        return Light.YELLOW  # the same arithmetic (float seconds) as ticketing.deadlines.signals in SQL
    return Light.GREEN
