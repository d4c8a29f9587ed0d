"""Database side of the reports: GROUP BY aggregates over indexed date ranges. No rules here.

Each aggregate reads one index range: lead assignments by assigned_at (ix_assignments_lead_assigned),
closed cases by closed_at (ix_tickets_closed), intake by created_at (ix_tickets_created)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from ticketing import rates
from ticketing.deadlines.signals import Clock, case_light_expr
from ticketing.enums import AssignmentRole
from ticketing.models import ExtensionRequest, ReturnRequest, Ticket, TicketAssignment
from ticketing.org.models import Department
from ticketing.service import OPEN


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _within(later, earlier, *, hours: float, dialect: str) -> ColumnElement[bool]:
    return rates.within(later, earlier, hours=hours, dialect=dialect)


def department_response(session: Session, *, start: datetime, end: datetime, limit_hours: float) -> list[tuple[int, int, int]]:
    """(department_id, lead assignments made in [start, end), of those accepted within limit_hours).
    Kept for callers of the older figures; the report uses `department_response_counts`."""
    dialect = session.get_bind().dialect.name
    a = TicketAssignment
    in_time = and_(a.accepted_at.is_not(None), _within(a.accepted_at, a.assigned_at, hours=limit_hours,
                                                      dialect=dialect))
    stmt = (
        select(a.department_id, func.count(), _count_if(in_time))
        .where(a.role == AssignmentRole.LEAD.value, a.assigned_at >= start, a.assigned_at < end)
        .group_by(a.department_id)
    )
    return [(d, int(n), int(ok or 0)) for d, n, ok in session.execute(stmt)]


def department_response_counts(session: Session, *, start: datetime, end: datetime, limit_hours: float,
                               now: datetime) -> list[tuple[int, int, int, int, int]]:
    """(department_id, lead dispatches made in [start, end) that were not dispatch errors, of those counting
    toward 响应率 now, of those responded in time, dispatch errors) — the rules of ticketing.rates."""
    dialect = session.get_bind().dialect.name
    a = TicketAssignment
    stmt = (
        select(a.department_id, _count_if(~rates.dispatch_error_sql()),
               _count_if(rates.response_counts_sql(now=now, limit_hours=limit_hours)),
               _count_if(rates.responded_sql(limit_hours=limit_hours, dialect=dialect)),
               _count_if(rates.dispatch_error_sql()))
        .where(a.role == AssignmentRole.LEAD.value, a.assigned_at >= start, a.assigned_at < end)
        .group_by(a.department_id)
    )
    return [(d, int(n or 0), int(c or 0), int(ok or 0), int(e or 0)) for d, n, c, ok, e in session.execute(stmt)]


def department_closed(session: Session, *, start: datetime, end: datetime, satisfied: list[str]) -> list[tuple[int, int, int, int, int, int]]:
    """(department_id, closed, closed never reopened, closed by the deadline, rated, rated satisfied) over
    the cases closed in [start, end), by their lead department (rules: ticketing.rates)."""
    t = Ticket
    stmt = (
        select(t.lead_department_id, func.count(), _count_if(rates.resolved_sql()), _count_if(rates.on_time_sql()),
               func.count(t.satisfaction), _count_if(rates.satisfied_sql(levels=satisfied)))
        .where(t.closed_at >= start, t.closed_at < end, t.lead_department_id.is_not(None))
        .group_by(t.lead_department_id)
    )
    return [(d, int(n), int(r or 0), int(o or 0), int(rated), int(s or 0)) for d, n, r, o, rated, s
            in session.execute(stmt)]


def intake_by(session: Session, *, column: str, start: datetime, end: datetime) -> dict[str, int]:
    """Cases registered in [start, end) counted by `channel` or `ticket_type`."""
    col = {"channel": Ticket.channel, "ticket_type": Ticket.ticket_type}[column]
    stmt = (select(col, func.count()).where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(col).order_by(func.count().desc(), col))
    return {value: int(n) for value, n in session.execute(stmt)}


def open_by_light(session: Session, *, now: datetime, yellow: timedelta,
                  yellow_share: float = 0.5) -> dict[str, int]:
    """Open cases by the light they show now (ticketing.deadlines.signals, as in the ticket lists)."""
    clock = Clock(now=now, yellow_hours=yellow.total_seconds() / 3600.0, yellow_share=yellow_share)
    light = case_light_expr(clock, dialect=session.get_bind().dialect.name)
    stmt = select(light, func.count()).where(Ticket.status.in_(OPEN)).group_by(light)
    counts = dict.fromkeys(("green", "yellow", "red"), 0)
    counts.update({value: int(n) for value, n in session.execute(stmt)})
    return counts


def department_names(session: Session, *, active_only: bool = False) -> list[tuple[int, str]]:
    stmt = select(Department.id, Department.name).order_by(Department.id)
    if active_only:
        stmt = stmt.where(Department.active.is_(True))
    return [(i, n) for i, n in session.execute(stmt)]


def pending_returns(session: Session, *, limit: int) -> list[tuple[ReturnRequest, Ticket]]:
    """退单 awaiting 异议审核, oldest first, with their cases."""
    stmt = (select(ReturnRequest, Ticket).join(Ticket, Ticket.id == ReturnRequest.ticket_id)
            .where(ReturnRequest.status == "pending").order_by(ReturnRequest.requested_at).limit(limit))
    return [(r, t) for r, t in session.execute(stmt)]


def pending_extensions(session: Session, *, limit: int) -> list[tuple[ExtensionRequest, Ticket]]:
    stmt = (select(ExtensionRequest, Ticket).join(Ticket, Ticket.id == ExtensionRequest.ticket_id)
            .where(ExtensionRequest.status == "pending").order_by(ExtensionRequest.requested_at).limit(limit))
    return [(r, t) for r, t in session.execute(stmt)]


def extension_requests(session: Session, *, ticket_id: int) -> list[ExtensionRequest]:
    return list(session.scalars(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket_id)
                                .order_by(ExtensionRequest.id)))

