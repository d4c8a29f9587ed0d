"""Database side of ticket lists (queues, filters, search). No rules here: flows decide who sees what.

The query shapes are chosen for 1,000,000 tickets on PostgreSQL (measured by bench/tickets.py, see
bench/README.md); SQLite takes the plain shapes.

* Department staff see the cases their unit takes part in. Their lists are read from the unit's own live
  assignments, which carry copies of the ticket's created_at, urgency and open-ness (migration 0011):
  newest first and the open queue walk ix_assignments_dept_newest / ix_assignments_dept_open in list order
  and join each ticket (PostgreSQL), other open-only lists start from the unit's open assignments. Other
  filters are checked on each joined ticket, so the walk is bounded by the unit's cases (for text: by the
  unit's cases in the window first); a caller or lead-unit filter instead gets the plain EXISTS shape,
  whose own index holds only a few rows.
* Text search, newest first (PostgreSQL): the index cannot give hits in date order, so every hit was read
  and sorted (5,500 rows for two common words). The page is first looked for among the last TEXT_WINDOW of
  cases; only if that window holds fewer hits than the page needs is the search repeated over all cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, lazyload

from ticketing.deadlines.signals import Clock, light_condition
from ticketing.enums import OPEN_STATUSES, AssignmentStatus, Light
from ticketing.models import Ticket, TicketAssignment

OPEN = [s.value for s in OPEN_STATUSES]
TEXT_WINDOW = timedelta(days=30)


@dataclass
class TicketFilter:
    statuses: list[str] | None = None
    light: Light | None = None
    department_id: int | None = None
    visible_to_department: int | None = None  # department staff see only cases their unit takes part in
    ticket_type: str | None = None
    urgency: str | None = None
    channel: str | None = None
    caller_phone: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    number: str | None = None  # one case by its number
    caller_tail: str | None = None  # last four digits of the caller's number (expression index, migration 0017)
    caller_name: str | None = None  # exactly as registered, e.g. 张先生


def list_tickets(session: Session, *, flt: TicketFilter, now: datetime, yellow: timedelta, order: str,
                 limit: int, offset: int, yellow_share: float = 0.5) -> list[Ticket]:
    """One page of tickets in `order` ("queue": urgent first then newest, "due": soonest due, else newest)."""
    dialect = session.get_bind().dialect.name
    clock = Clock(now=now, yellow_hours=yellow.total_seconds() / 3600.0, yellow_share=yellow_share)
    if flt.text and order not in ("queue", "due") and dialect == "postgresql":
        cutoff = now - TEXT_WINDOW
        narrower = flt.created_from is not None and flt.created_from >= cutoff  # the window adds nothing
        older = flt.created_to is not None and flt.created_to <= cutoff  # the window holds nothing
        if not narrower and not older:
            recent = _page(session, flt=flt, clock=clock, order=order, limit=limit, offset=offset,
                           dialect=dialect, since=cutoff)
            if len(recent) == limit:  # the newest offset + limit hits all lie in the window
                return recent
    return _page(session, flt=flt, clock=clock, order=order, limit=limit, offset=offset,
                 dialect=dialect, since=None)


def _page(session: Session, *, flt: TicketFilter, clock: Clock, order: str, limit: int,
          offset: int, dialect: str, since: datetime | None) -> list[Ticket]:
    # A list shows ticket columns only: skip the two selectin queries for every row's assignments and callers
    # (they still load if read).
    stmt = select(Ticket).options(lazyload(Ticket.assignments), lazyload(Ticket.callers))
    if since is not None:
        stmt = stmt.where(Ticket.created_at >= since)
    a = TicketAssignment
    keys = None  # the department's assignment columns the page is read in, when read from them
    open_only = _open_only(flt)
    if flt.visible_to_department is not None and dialect == "postgresql" and not _selective(flt):
        if order == "queue" and open_only:
            keys = [a.ticket_urgency, a.ticket_created_at, a.ticket_id]
        elif order not in ("queue", "due") and not open_only:
            keys = [a.ticket_created_at, a.ticket_id]
    if keys is not None and open_only and flt.light is None and set(flt.statuses or ()) >= set(OPEN):
        # All open statuses: a.ticket_open says the same. With both, the planner took them for independent,
        # expected 3 % of the unit's open cases to be open and chose a parallel scan of all of them.
        flt = replace(flt, statuses=None)
    stmt = _filtered(stmt, flt=flt, clock=clock, dialect=dialect, department_filter=keys is None)
    if keys is not None:
        # DISTINCT ON keeps a case once even if the unit held two live assignments on it.
        live = [a.department_id == flt.visible_to_department, a.status != AssignmentStatus.WITHDRAWN.value]
        if open_only:
            live.append(a.ticket_open)
        for start in (since, flt.created_from):  # the same bounds on the copy: a range of the unit's index
            if start is not None:
                live.append(a.ticket_created_at >= start)
        if flt.created_to is not None:
            live.append(a.ticket_created_at < flt.created_to)
        stmt = (stmt.join(a, a.ticket_id == Ticket.id).where(*live).ext(distinct_on(*keys))
                .order_by(*(k.desc() for k in keys)))
    elif order == "queue":
        stmt = stmt.order_by(Ticket.urgency.desc(), Ticket.created_at.desc(), Ticket.id.desc())
    elif order == "due":
        stmt = stmt.order_by(Ticket.due_at.asc(), Ticket.id.asc())
    else:
        stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def _selective(flt: TicketFilter) -> bool:
    """Filters a ticket index answers in a few rows (a caller's cases, a lead unit's): better than walking
    all of a busy unit's assignments."""
    return any(v is not None for v in (flt.caller_phone, flt.department_id, flt.number, flt.caller_tail,
                                       flt.caller_name))


def _open_only(flt: TicketFilter) -> bool:
    """True when the filter admits open cases only (a light, or statuses that are all open)."""
    return flt.light is not None or bool(flt.statuses) and set(flt.statuses) <= set(OPEN)


def _filtered(stmt: Select, *, flt: TicketFilter, clock: Clock, dialect: str,
              department_filter: bool = True) -> Select:
    if flt.statuses:
        stmt = stmt.where(Ticket.status.in_(flt.statuses))
    if flt.light is not None:  # the rule of ticketing.deadlines.signals (the light of the limit next due)
        stmt = stmt.where(light_condition(flt.light, clock, dialect=dialect))
    if flt.department_id is not None:
        stmt = stmt.where(Ticket.lead_department_id == flt.department_id)
    if flt.visible_to_department is not None and department_filter:
        a = TicketAssignment
        live = [a.department_id == flt.visible_to_department, a.status != AssignmentStatus.WITHDRAWN.value]
        if _open_only(flt):  # start from the unit's open cases (ix_assignments_dept_open), not the city's
            stmt = stmt.where(Ticket.id.in_(select(a.ticket_id).where(*live, a.ticket_open)))
        else:
            stmt = stmt.where(exists().where(a.ticket_id == Ticket.id, *live))
    for column, value in ((Ticket.ticket_type, flt.ticket_type), (Ticket.urgency, flt.urgency),
                          (Ticket.channel, flt.channel), (Ticket.caller_phone, flt.caller_phone),
                          (Ticket.number, flt.number), (Ticket.caller_name, flt.caller_name)):
        if value is not None:
            stmt = stmt.where(column == value)
    if flt.caller_tail is not None:
        stmt = stmt.where(caller_tail_expression(dialect) == flt.caller_tail)
    if flt.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= flt.created_from)
    if flt.created_to is not None:
        stmt = stmt.where(Ticket.created_at < flt.created_to)
    if flt.text:
        from ticketing.textsearch import text_filter

        stmt = text_filter(stmt, table="tickets", id_column=Ticket.id, query=flt.text, dialect_name=dialect)
    return stmt


def caller_tail_expression(dialect: str):
    """The last four digits of the caller's number, written as the expression index of migration 0017 is."""
    if dialect == "postgresql":
        return func.right(Ticket.caller_phone, 4)
    return func.substr(Ticket.caller_phone, -4)
