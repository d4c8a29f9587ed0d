"""The deadline signals of a case, defined once: each limit's light (first contact 联系, reply 答复,
close 办结) and the case light, which is the light of the limit next due. Each rule is a Python function
with its SQLAlchemy expression beside it (lists, reports and the sweep filter with the expression; pages
show the function); tests/test_signals.py checks they agree on both backends.

A limit is pending while it is not met (first_contact_at / replied_at / closed_at empty) and the case is
open; a met limit is red if met after its due time, else green. A pending limit is red once overdue,
yellow inside its window (`sla.light_for`: a share of the limit, capped at yellow_hours), else green.
Because every limit counts from the acceptance time and the window grows with the limit, the limit next
due is never less urgent than a later one, so the case light is also the worst pending light.

SQL arithmetic: PostgreSQL compares intervals (microseconds), SQLite float seconds since the epoch
(millisecond precision), `light_for` float seconds; they agree except within a microsecond of a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement

from ticketing.deadlines.sla import light_for
from ticketing.enums import OPEN_STATUSES, Light
from ticketing.models import Ticket

OPEN = [s.value for s in OPEN_STATUSES]
# (limit, due column, met column), in nesting order.
LIMITS = (("first_contact", "first_contact_due_at", "first_contact_at"),
          ("reply", "reply_due_at", "replied_at"), ("handle", "due_at", "closed_at"))


@dataclass(frozen=True)
class Clock:
    """When the lights are read and how wide the yellow window is."""

    now: datetime
    yellow_hours: float
    yellow_share: float

    @classmethod
    def of(cls, settings, now: datetime) -> Clock:
        return cls(now=now, yellow_hours=settings.yellow_hours, yellow_share=settings.yellow_share)


# --- Python ----------------------------------------------------------------------------------------------


def _is_open(ticket: Any) -> bool:
    return ticket.status in OPEN


def pending_dues(ticket: Any) -> dict[str, datetime]:
    """Due times of the limits not yet met. The close limit is pending while closed_at is empty."""
    found = {}
    for name, due_col, met_col in LIMITS:
        due = getattr(ticket, due_col, None)
        if due is None or getattr(ticket, met_col, None) is not None:
            continue
        if name != "handle" and not _is_open(ticket):
            continue
        found[name] = due
    return found


def next_due(ticket: Any) -> datetime:
    """The limit next due (the close limit when every other is met)."""
    return min(pending_dues(ticket).values(), default=ticket.due_at)


def next_limit(ticket: Any) -> str:
    """Which limit is next due: first_contact, reply or handle."""
    pending = pending_dues(ticket)
    return min(pending, key=lambda name: pending[name]) if pending else "handle"


def case_light(ticket: Any, clock: Clock) -> Light:
    """The light a case shows in lists, on its page and in the sweep."""
    if ticket.closed_at is not None:
        return light_for(ticket.due_at, clock.now, yellow_hours=clock.yellow_hours, closed_at=ticket.closed_at)
    return light_for(next_due(ticket), clock.now, yellow_hours=clock.yellow_hours, start=ticket.accepted_at,
                     yellow_share=clock.yellow_share)


def limit_lights(ticket: Any, clock: Clock) -> dict[str, str | None]:
    """Each limit's own light (None: the case has no such limit). A missed first contact stays red."""
    lights: dict[str, str | None] = {}
    pending = pending_dues(ticket)
    for name, due_col, met_col in LIMITS:
        due = getattr(ticket, due_col, None)
        if due is None:
            lights[name] = None
            continue
        met = getattr(ticket, met_col, None)
        if met is None and name not in pending:  # a case closed or merged without this step
            met = ticket.closed_at or clock.now
        lights[name] = light_for(due, clock.now, yellow_hours=clock.yellow_hours, closed_at=met,
                                 start=ticket.accepted_at, yellow_share=clock.yellow_share).value
    return lights


# --- SQL ---------------------------------------------------------------------------------------------------


def _epoch(expr: ColumnElement, dialect: str) -> ColumnElement[float]:
    if dialect == "sqlite":
        return func.round((func.julianday(expr) - 2440587.5) * 86400.0, 3)
    return cast(func.extract("epoch", expr), Float)


def _least(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    """The earlier of two timestamps, NULL counting as "no limit"."""
    return case((and_(a.is_not(None), or_(b.is_(None), a < b)), a), else_=b)


def next_due_expr() -> ColumnElement[datetime]:
    """SQL twin of `next_due`."""
    is_open = Ticket.status.in_(OPEN)
    contact = case((and_(is_open, Ticket.first_contact_at.is_(None)), Ticket.first_contact_due_at), else_=None)
    reply = case((and_(is_open, Ticket.replied_at.is_(None)), Ticket.reply_due_at), else_=None)
    return _least(_least(contact, reply), Ticket.due_at)


def _yellow(due: ColumnElement, clock: Clock, dialect: str) -> ColumnElement[bool]:
    band = and_(due >= clock.now, due < clock.now + timedelta(hours=clock.yellow_hours))
    if dialect == "postgresql":  # interval arithmetic: no numeric epoch per row
        share = literal(clock.yellow_share, Float) * (due - Ticket.accepted_at)
        return and_(band, due - literal(clock.now, Ticket.accepted_at.type) < share)
    left = _epoch(due, dialect) - literal(clock.now.timestamp(), Float)
    return and_(band, left < literal(clock.yellow_share, Float) * (_epoch(due, dialect) - _epoch(Ticket.accepted_at, dialect)))


def light_condition(light: Light, clock: Clock, *, dialect: str, open_only: bool = True) -> ColumnElement[bool]:
    """Cases whose `case_light` is `light` (by default among open cases, as the lists filter)."""
    due = next_due_expr()
    red = due < clock.now
    yellow = _yellow(due, clock, dialect)
    if light == Light.RED:
        cond = red
    elif light == Light.YELLOW:
        cond = yellow
    else:
        cond = and_(~red, ~yellow)
    if open_only:
        return and_(Ticket.status.in_(OPEN), cond)
    closed = Ticket.closed_at.is_not(None)
    late = Ticket.closed_at > Ticket.due_at
    met = {Light.RED: late, Light.YELLOW: literal(False), Light.GREEN: ~late}[light]
    return or_(and_(closed, met), and_(~closed, cond))


def case_light_expr(clock: Clock, *, dialect: str) -> ColumnElement[str]:
    """SQL twin of `case_light`: 'red', 'yellow' or 'green'."""
    due = next_due_expr()
    return case(
        (Ticket.closed_at.is_not(None), case((Ticket.closed_at > Ticket.due_at, Light.RED.value),
                                             else_=Light.GREEN.value)),
        (due < clock.now, Light.RED.value),
        (_yellow(due, clock, dialect), Light.YELLOW.value),
        else_=Light.GREEN.value,
    )
