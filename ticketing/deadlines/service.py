"""Database access for deadline rules and holiday overrides, and the cached `load_policy`.

Cache: a built policy is reused without asking the database while (a) this process has written neither
table since (`ticketing.tablewatch` counts every write statement this process sends to them, ORM or plain
SQL, plus the generation below, bumped by the edit functions here) and (b) it is younger than
`settings.deadline_cache_seconds`. Edits made by *other* processes (another API worker, the CLI) therefore
reach this one within `deadline_cache_seconds` (60 s by default); 0 re-reads on every call. Rebuilding costs
three small queries; library years are cached per process.
"""

from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound, ValidationFailed
from hotline.settings import Settings
from ticketing import tablewatch
from ticketing.deadlines.models import DeadlineRule, HolidayOverride
from ticketing.deadlines.sla import DeadlinePolicy, RuleKey, RuleSpec, check_rule, default_rules
from ticketing.deadlines.workdays import WorkCalendar

_DIRTY = "deadlines_dirty"
_MAX_CACHED = 8

_TABLES = (DeadlineRule.__tablename__, HolidayOverride.__tablename__)
tablewatch.watch(*_TABLES)

_lock = threading.Lock()
_generation = 0
_cache: dict[tuple, tuple[float, tuple, DeadlinePolicy]] = {}


def invalidate_policy_cache() -> None:
    """Forget every cached policy in this process (called automatically after writes commit)."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


def _mark_dirty(session: Session) -> None:
    session.info[_DIRTY] = True
    # Invalidate now too, so this very session sees its own uncommitted edits.
    invalidate_policy_cache()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        invalidate_policy_cache()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        invalidate_policy_cache()


# --- rules -------------------------------------------------------------------------------------------
def _rule_key_filter(stmt, *, locality: str, kind: str, ticket_type: str | None, urgency: str):
    type_clause = DeadlineRule.ticket_type.is_(None) if ticket_type is None else (
        DeadlineRule.ticket_type == ticket_type)
    return stmt.where(DeadlineRule.locality == locality, DeadlineRule.kind == kind,
                      DeadlineRule.urgency == urgency, type_clause)


def list_rules(session: Session, *, locality: str | None = None) -> list[DeadlineRule]:
    stmt = select(DeadlineRule).order_by(DeadlineRule.locality, DeadlineRule.kind, DeadlineRule.urgency,
                                         DeadlineRule.ticket_type.is_not(None), DeadlineRule.ticket_type,
                                         DeadlineRule.id)
    if locality is not None:
        stmt = stmt.where(DeadlineRule.locality == locality)
    return list(session.scalars(stmt))


def get_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None,
             urgency: str) -> DeadlineRule | None:
    stmt = _rule_key_filter(select(DeadlineRule), locality=locality, kind=kind, ticket_type=ticket_type,
                            urgency=urgency).order_by(DeadlineRule.id)
    return session.scalars(stmt).first()


def upsert_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None, urgency: str,
                unit: str, amount: int) -> DeadlineRule:
    """Create or change the rule with key (locality, kind, ticket_type, urgency). Does not commit."""
    check_rule(kind=kind, urgency=urgency, unit=unit, amount=amount)
    if not locality:
        raise ValidationFailed("locality must not be empty")
    rule = get_rule(session, locality=locality, kind=kind, ticket_type=ticket_type, urgency=urgency)
    if rule is None:
        rule = DeadlineRule(locality=locality, kind=kind, ticket_type=ticket_type, urgency=urgency)
        session.add(rule)
    rule.unit, rule.amount = unit, amount
    session.flush()
    _mark_dirty(session)
    return rule


def delete_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None, urgency: str) -> None:
    """Delete the rule with that key (NotFound if there is none). Does not commit."""
    stmt = _rule_key_filter(delete(DeadlineRule), locality=locality, kind=kind, ticket_type=ticket_type,
                            urgency=urgency)
    if session.execute(stmt).rowcount == 0:
        raise NotFound("no such deadline rule", locality=locality, kind=kind, ticket_type=ticket_type,
                       urgency=urgency)
    _mark_dirty(session)


# --- holiday overrides ---------------------------------------------------------------------------------
def list_overrides(session: Session, *, year: int | None = None) -> list[HolidayOverride]:
    stmt = select(HolidayOverride).order_by(HolidayOverride.day)
    if year is not None:
        stmt = stmt.where(HolidayOverride.day >= date(year, 1, 1), HolidayOverride.day <= date(year, 12, 31))
    return list(session.scalars(stmt))


def get_override(session: Session, *, day: date) -> HolidayOverride:
    override = session.get(HolidayOverride, day)
    if override is None:
        raise NotFound(f"no override for {day.isoformat()}", day=day.isoformat())
    return override


def upsert_override(session: Session, *, day: date, is_workday: bool, note: str = "") -> HolidayOverride:
    """Make `day` a working day or not, whatever the library says. Does not commit."""
    override = session.get(HolidayOverride, day)
    if override is None:
        override = HolidayOverride(day=day)
        session.add(override)
    override.is_workday, override.note = bool(is_workday), note
    session.flush()
    _mark_dirty(session)
    return override


def delete_override(session: Session, *, day: date) -> None:
    if session.execute(delete(HolidayOverride).where(HolidayOverride.day == day)).rowcount == 0:
        raise NotFound(f"no override for {day.isoformat()}", day=day.isoformat())
    _mark_dirty(session)


def load_overrides(session: Session) -> dict[date, bool]:
    return {day: flag for day, flag in session.execute(select(HolidayOverride.day, HolidayOverride.is_workday))}


# --- the policy -------------------------------------------------------------------------------------------
def _load_rules(session: Session, *, locality: str) -> dict[RuleKey, RuleSpec]:
    rules: dict[RuleKey, RuleSpec] = {}
    for rule in list_rules(session, locality=locality):
        rules.setdefault((rule.kind, rule.ticket_type, rule.urgency), RuleSpec(rule.unit, rule.amount))
    return rules


def load_policy(session: Session, *, settings: Settings) -> DeadlinePolicy:
    """The deadline policy of `settings.locality`: rules and overrides from the database, Settings defaults
    where no rule exists. No query while the cached policy is valid (see the module docstring)."""
    defaults = default_rules(settings)
    bind = session.get_bind()
    key = (
        bind.url.render_as_string(hide_password=True), settings.locality, settings.timezone,
        settings.yellow_hours, settings.max_extension_working_days, tuple(sorted(defaults.items())),
    )
    stamp = (_generation, tablewatch.generation(*_TABLES))
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[1] == stamp and now - hit[0] <= settings.deadline_cache_seconds:
        return hit[2]
    rules = _load_rules(session, locality=settings.locality)
    calendar = WorkCalendar(settings.tz, load_overrides(session))
    policy = DeadlinePolicy(calendar, defaults=defaults, rules=rules, yellow_hours=settings.yellow_hours,
                            max_extension_working_days=settings.max_extension_working_days)
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[key] = (now, stamp, policy)
    return policy
