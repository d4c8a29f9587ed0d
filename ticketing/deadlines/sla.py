"""Deadline (SLA) policy: which rule applies to a case, its due time, extensions and the traffic light.

Pure computation: no database, no library calls per deadline. `ticketing.deadlines.service.load_policy`
builds a policy from the rules and overrides tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from hotline.errors import ValidationFailed
from hotline.settings import Settings
from ticketing.deadlines.workdays import WorkCalendar
from ticketing.enums import Light, Urgency


class DeadlineKind(StrEnum):
    HANDLE = "handle"  # the case deadline (办理时限)
    FIRST_CONTACT = "first_contact"  # first contact with the caller (首次联系)


class DeadlineUnit(StrEnum):
    WORKING_DAYS = "working_days"  # end of the Nth working day after the acceptance day
    HOURS = "hours"  # wall clock, never paused by holidays


KINDS = frozenset(k.value for k in DeadlineKind)
UNITS = frozenset(u.value for u in DeadlineUnit)
URGENCIES = frozenset(u.value for u in Urgency)
MAX_AMOUNT = 1000  # sanity bound for a rule amount (working days or hours)


@dataclass(frozen=True)
class RuleSpec:
    unit: str
    amount: int


RuleKey = tuple[str, str | None, str]  # (kind, ticket_type or None for any, urgency)


def check_rule(*, kind: str, urgency: str, unit: str, amount: int) -> None:
    """Raise ValidationFailed unless the rule fields are from the known vocabularies and amount is sane."""
    if kind not in KINDS:
        raise ValidationFailed(f"unknown deadline kind {kind!r}", allowed=sorted(KINDS))
    if urgency not in URGENCIES:
        raise ValidationFailed(f"unknown urgency {urgency!r}", allowed=sorted(URGENCIES))
    if unit not in UNITS:
        raise ValidationFailed(f"unknown unit {unit!r}", allowed=sorted(UNITS))
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= MAX_AMOUNT:
        raise ValidationFailed(f"amount must be an integer between 0 and {MAX_AMOUNT}", amount=amount)


def default_rules(settings: Settings) -> dict[tuple[str, str], RuleSpec]:
    """What applies when the rules table has no row for (kind, urgency)."""
    working, hours = DeadlineUnit.WORKING_DAYS.value, DeadlineUnit.HOURS.value
    first_contact = RuleSpec(working, settings.first_contact_working_days)
    return {
        (DeadlineKind.HANDLE.value, Urgency.NORMAL.value): RuleSpec(working, settings.normal_working_days),
        (DeadlineKind.HANDLE.value, Urgency.URGENT.value): RuleSpec(hours, settings.urgent_hours),
        (DeadlineKind.FIRST_CONTACT.value, Urgency.NORMAL.value): first_contact,
        (DeadlineKind.FIRST_CONTACT.value, Urgency.URGENT.value): first_contact,
    }


class DeadlinePolicy:
    """Rules of one locality on one working-day calendar."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        defaults: Mapping[tuple[str, str], RuleSpec],
        rules: Mapping[RuleKey, RuleSpec] | None = None,
        yellow_hours: int = 24,
        max_extension_working_days: int = 15,
    ) -> None:
        self.calendar = calendar
        self.tz = calendar.tz
        self.yellow_hours = yellow_hours
        self.max_extension_working_days = max_extension_working_days
        self._defaults = dict(defaults)
        self._rules = dict(rules or {})

    @classmethod
    def from_settings(
        cls, settings: Settings, *, calendar: WorkCalendar | None = None,
        rules: Mapping[RuleKey, RuleSpec] | None = None,
    ) -> DeadlinePolicy:
        return cls(
            calendar or WorkCalendar(settings.tz),
            defaults=default_rules(settings),
            rules=rules,
            yellow_hours=settings.yellow_hours,
            max_extension_working_days=settings.max_extension_working_days,
        )

    def rule_for(self, *, kind: str, urgency: str, ticket_type: str | None) -> RuleSpec:
        """Exact ticket type first, then the any-type row, then the Settings default."""
        rules = self._rules
        spec = rules.get((kind, ticket_type, urgency)) if ticket_type is not None else None
        if spec is None:
            spec = rules.get((kind, None, urgency)) or self._defaults.get((kind, urgency))
        if spec is None:
            if kind not in KINDS:
                raise ValidationFailed(f"unknown deadline kind {kind!r}", allowed=sorted(KINDS))
            raise ValidationFailed(f"unknown urgency {urgency!r}", allowed=sorted(URGENCIES))
        return spec

    def due(self, accepted_at: datetime, *, urgency: str, ticket_type: str | None,
            kind: str = "handle") -> datetime:
        """When a case accepted at `accepted_at` is due (UTC)."""
        if accepted_at.tzinfo is None:
            raise ValidationFailed("accepted_at must be timezone-aware", value=accepted_at.isoformat())
        spec = self.rule_for(kind=kind, urgency=urgency, ticket_type=ticket_type)
        if spec.unit == "hours":
            return (accepted_at + timedelta(hours=spec.amount)).astimezone(UTC)
        return self.calendar.end_of_nth_workday_after(accepted_at, spec.amount)

    def extend(self, due_at: datetime, working_days: int) -> datetime:
        """New due: end of the Nth working day after the old due's local day."""
        if not 1 <= working_days <= self.max_extension_working_days:
            raise ValidationFailed(
                f"an extension must be 1 to {self.max_extension_working_days} working days",
                working_days=working_days,
            )
        return self.calendar.end_of_nth_workday_after(due_at, working_days)

    def light(self, due_at: datetime, now: datetime, *, closed_at: datetime | None = None) -> Light:
        return light_for(due_at, now, yellow_hours=self.yellow_hours, closed_at=closed_at)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the policy's local time zone (for display)."""
        return moment.astimezone(self.tz)


def light_for(due_at: datetime, now: datetime, *, yellow_hours: int,
              closed_at: datetime | None = None) -> Light:
    """Green, yellow (less than `yellow_hours` left, due time itself still on time) or red (overdue).
    A closed case is red if it was closed after its due time, else green."""
    if closed_at is not None:
        return Light.RED if closed_at > due_at else Light.GREEN
    if now > due_at:
        return Light.RED
    if due_at - now < timedelta(hours=yellow_hours):
        return Light.YELLOW
    return Light.GREEN
