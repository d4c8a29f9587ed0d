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
from ticketing.deadlines.models import DeadlineRule, DeadlineRuleChange, HolidayOverride
from ticketing.deadlines.rulesets import RuleKey, RuleSet, RuleSpec, check_rule, describe
from ticketing.deadlines.sla import DeadlinePolicy, base_rule_set, default_rules
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
def _rule_key_filter(stmt, *, locality: str, kind: str, ticket_type: str | None, urgency: str,
                     complexity: str | None = None, channel: str | None = None):
    def same(column, value):
        return column.is_(None) if value is None else column == value

    return stmt.where(DeadlineRule.locality == locality, DeadlineRule.kind == kind,
                      DeadlineRule.urgency == urgency, same(DeadlineRule.ticket_type, ticket_type),
                      same(DeadlineRule.complexity, complexity), same(DeadlineRule.channel, channel))


def list_rules(session: Session, *, locality: str | None = None) -> list[DeadlineRule]:
    stmt = select(DeadlineRule).order_by(DeadlineRule.locality, DeadlineRule.kind, DeadlineRule.urgency,
                                         DeadlineRule.ticket_type.is_not(None), DeadlineRule.ticket_type,
                                         DeadlineRule.complexity.is_not(None), DeadlineRule.complexity,
                                         DeadlineRule.channel.is_not(None), DeadlineRule.channel, DeadlineRule.id)
    if locality is not None:
        stmt = stmt.where(DeadlineRule.locality == locality)
    return list(session.scalars(stmt))


def localities(session: Session) -> list[str]:
    """Rule sets with rows in the database."""
    return list(session.scalars(select(DeadlineRule.locality).distinct().order_by(DeadlineRule.locality)))


def get_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None, urgency: str,
             complexity: str | None = None, channel: str | None = None) -> DeadlineRule | None:
    stmt = _rule_key_filter(select(DeadlineRule), locality=locality, kind=kind, ticket_type=ticket_type,
                            urgency=urgency, complexity=complexity, channel=channel).order_by(DeadlineRule.id)
    return session.scalars(stmt).first()


def rule_set(session: Session, *, locality: str, settings: Settings,
             changed: dict[tuple, RuleSpec | None] | None = None) -> RuleSet:
    """The locality's effective rules: its preset (or Settings defaults) overlaid by its database rows,
    and by `changed` (key → spec, None = removed) when checking an edit before it is written."""
    rows = {_key_of(r): RuleSpec(r.unit, r.amount) for r in list_rules(session, locality=locality)}
    for key, spec in (changed or {}).items():
        if spec is None:
            rows.pop(key, None)
        else:
            rows[key] = spec
    return base_rule_set(locality, settings).overlaid(rows)


def _key_of(rule: DeadlineRule) -> RuleKey:
    return (rule.kind, rule.ticket_type, rule.urgency, rule.complexity, rule.channel)


def _audit(session: Session, *, locality: str, key: RuleKey, before: DeadlineRule | None, after: RuleSpec | None,
           actor_id: int | None, actor_name: str, reason: str) -> None:
    def spec(value) -> dict | None:
        return None if value is None else {"unit": value.unit, "amount": value.amount}

    session.add(DeadlineRuleChange(locality=locality, rule=describe(key), before=spec(before), after=spec(after),
                                   actor_id=actor_id, actor_name=actor_name or "", reason=reason or ""))


def upsert_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None, urgency: str,
                unit: str, amount: int, complexity: str | None = None, channel: str | None = None,
                settings: Settings | None = None, actor_id: int | None = None, actor_name: str = "",
                reason: str = "") -> DeadlineRule:
    """Create or change the rule with that key. The resulting rule set must have no gap or overlap (else
    ValidationFailed naming the rule). Writes an audit row. Does not commit."""
    check_rule(kind=kind, urgency=urgency, unit=unit, amount=amount, ticket_type=ticket_type,
               complexity=complexity, channel=channel)
    if not locality:
        raise ValidationFailed("locality must not be empty")
    key: RuleKey = (kind, ticket_type, urgency, complexity, channel)
    rule_set(session, locality=locality, settings=settings or Settings(_env_file=None),
             changed={key: RuleSpec(unit, amount)}).check()
    rule = get_rule(session, locality=locality, kind=kind, ticket_type=ticket_type, urgency=urgency,
                    complexity=complexity, channel=channel)
    before = None if rule is None else RuleSpec(rule.unit, rule.amount)
    if rule is None:
        rule = DeadlineRule(locality=locality, kind=kind, ticket_type=ticket_type, urgency=urgency,
                            complexity=complexity, channel=channel)
        session.add(rule)
    rule.unit, rule.amount = unit, amount
    _audit(session, locality=locality, key=key, before=before, after=RuleSpec(unit, amount), actor_id=actor_id,
           actor_name=actor_name, reason=reason)
    session.flush()
    _mark_dirty(session)
    return rule


def delete_rule(session: Session, *, locality: str, kind: str, ticket_type: str | None, urgency: str,
                complexity: str | None = None, channel: str | None = None, settings: Settings | None = None,
                actor_id: int | None = None, actor_name: str = "", reason: str = "") -> None:
    """Delete the rule with that key (NotFound if there is none): the preset's rule, if any, applies again.
    Rejected if it would leave a gap. Does not commit."""
    key: RuleKey = (kind, ticket_type, urgency, complexity, channel)
    rule = get_rule(session, locality=locality, kind=kind, ticket_type=ticket_type, urgency=urgency,
                    complexity=complexity, channel=channel)
    if rule is None:
        raise NotFound("no such deadline rule", locality=locality, kind=kind, ticket_type=ticket_type,
                       urgency=urgency, complexity=complexity, channel=channel)
    rule_set(session, locality=locality, settings=settings or Settings(_env_file=None), changed={key: None}).check()
    _audit(session, locality=locality, key=key, before=RuleSpec(rule.unit, rule.amount), after=None,
           actor_id=actor_id, actor_name=actor_name, reason=reason)
    session.execute(_rule_key_filter(delete(DeadlineRule), locality=locality, kind=kind, ticket_type=ticket_type,
                                     urgency=urgency, complexity=complexity, channel=channel))
    _mark_dirty(session)


def rule_changes(session: Session, *, locality: str | None = None, limit: int = 50) -> list[DeadlineRuleChange]:
    stmt = select(DeadlineRuleChange).order_by(DeadlineRuleChange.id.desc()).limit(limit)
    if locality is not None:
        stmt = stmt.where(DeadlineRuleChange.locality == locality)
    return list(session.scalars(stmt))


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
        rules.setdefault(_key_of(rule), RuleSpec(rule.unit, rule.amount))
    return rules


def locality_for(settings: Settings, *, channel: str | None = None) -> str:
    """The rule set a case from `channel` gets: HOTLINE_CHANNEL_LOCALITIES, else HOTLINE_LOCALITY."""
    return settings.channel_localities.get(channel, settings.locality) if channel else settings.locality


def load_policy(session: Session, *, settings: Settings, locality: str | None = None) -> DeadlinePolicy:
    """The deadline policy of `locality` (default `settings.locality`): its preset or the Settings defaults,
    overlaid by its database rules, on the calendar with the overrides. No query while the cached policy is
    valid (see the module docstring)."""
    name = locality or settings.locality
    defaults = default_rules(settings)
    bind = session.get_bind()
    key = (
        bind.url.render_as_string(hide_password=True), name, settings.timezone, settings.yellow_hours,
        settings.yellow_share, settings.max_extension_working_days, tuple(sorted(defaults.items())),
    )
    stamp = (_generation, tablewatch.generation(*_TABLES))
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[1] == stamp and now - hit[0] <= settings.deadline_cache_seconds:
        return hit[2]
    rules = _load_rules(session, locality=name)
    calendar = WorkCalendar(settings.tz, load_overrides(session))
    policy = DeadlinePolicy(calendar, defaults=defaults, rules=rules, yellow_hours=settings.yellow_hours,
                            yellow_share=settings.yellow_share,
                            max_extension_working_days=settings.max_extension_working_days,
                            rule_set=base_rule_set(name, settings))
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[key] = (now, stamp, policy)
    return policy
