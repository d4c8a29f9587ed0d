"""Database side of the bulletins, the boundary list and the early warning: GROUP BYs over indexed ranges.

No 三率 here: those come from ticketing.reports (department_report), the one place they are defined."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from reports.models import ReportRun, ReportSchedule
from ticketing.list_service import OPEN
from ticketing.models import ReturnRequest, Ticket
from ticketing.org.models import Category, Department

NO_AREA = ""


def category_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(Category.id, Category.name))}


def area_names(session: Session) -> dict[str, str]:
    """Area code → the name of the district-level department serving it (朝阳区), for people to read."""
    stmt = (select(Department.district, Department.name).where(Department.level == "district",
                                                                Department.district.is_not(None))
            .order_by(Department.id))
    names: dict[str, str] = {}
    for code, name in session.execute(stmt):
        names.setdefault(code, name)
    return names


def intake_by_matter(session: Session, *, start: datetime, end: datetime) -> list[tuple[int | None, int]]:
    """(category_id, cases registered in [start, end)), most first; None = not yet classified."""
    stmt = (select(Ticket.category_id, func.count()).where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.category_id).order_by(func.count().desc(), Ticket.category_id))
    return [(c, int(n)) for c, n in session.execute(stmt)]


def intake_by_area(session: Session, *, start: datetime, end: datetime) -> list[tuple[str | None, int]]:
    stmt = (select(Ticket.district, func.count()).where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.district).order_by(func.count().desc(), Ticket.district))
    return [(d, int(n)) for d, n in session.execute(stmt)]


def intake_by_status(session: Session, *, start: datetime, end: datetime, now: datetime) -> list[tuple[str, int, int]]:
    """(status, cases registered in [start, end) now in that status, of those past their deadline)."""
    late = or_(and_(Ticket.closed_at.is_not(None), Ticket.closed_at > Ticket.due_at),
               and_(Ticket.closed_at.is_(None), Ticket.status.in_(OPEN), Ticket.due_at < now))
    stmt = (select(Ticket.status, func.count(), func.count().filter(late))
            .where(Ticket.created_at >= start, Ticket.created_at < end).group_by(Ticket.status)
            .order_by(Ticket.status))
    return [(s, int(n), int(o or 0)) for s, n, o in session.execute(stmt)]


def closed_late(session: Session, *, start: datetime, end: datetime, limit: int) -> list[Ticket]:
    """Cases closed in [start, end) after their deadline (the complement of 按时办结), oldest deadline first."""
    stmt = (select(Ticket).where(Ticket.closed_at >= start, Ticket.closed_at < end, Ticket.closed_at > Ticket.due_at,
                                 Ticket.lead_department_id.is_not(None))
            .order_by(Ticket.due_at, Ticket.id).limit(limit))
    return list(session.scalars(stmt))


def open_overdue(session: Session, *, cutoff: datetime, limit: int) -> list[Ticket]:
    """Open cases whose deadline passed before `cutoff`, oldest deadline first (ix_tickets_open_due)."""
    stmt = (select(Ticket).where(Ticket.status.in_(OPEN), Ticket.due_at < cutoff)
            .order_by(Ticket.due_at, Ticket.id).limit(limit))
    return list(session.scalars(stmt))


def repeat_targets(session: Session, *, start: datetime, end: datetime, min_count: int,
                   limit: int) -> list[tuple[Ticket, int]]:
    """Cases that absorbed repeats (并单) registered in [start, end): (kept case, cases on the matter incl. it)."""
    merged = (select(Ticket.merged_into_id.label("target"), func.count().label("n"))
              .where(Ticket.merged_into_id.is_not(None), Ticket.created_at >= start, Ticket.created_at < end)
              .group_by(Ticket.merged_into_id).subquery())
    stmt = (select(Ticket, merged.c.n + 1).join(merged, merged.c.target == Ticket.id)
            .where(merged.c.n + 1 >= min_count).order_by((merged.c.n + 1).desc(), Ticket.id).limit(limit))
    return [(t, int(n)) for t, n in session.execute(stmt)]


def department_rows(session: Session) -> list[tuple[int, str, bool]]:
    return [(i, n, bool(a)) for i, n, a in session.execute(select(Department.id, Department.name, Department.active)
                                                            .order_by(Department.id))]


# --- boundary list (职责边界清单) ------------------------------------------------------------------


def boundary_rows(session: Session, *, start: datetime | None, end: datetime | None,
                  status: str | None, limit: int | None) -> list[tuple[ReturnRequest, Ticket]]:
    """退单 with their cases, newest first; status pending | approved | rejected."""
    stmt = select(ReturnRequest, Ticket).join(Ticket, Ticket.id == ReturnRequest.ticket_id)
    if start is not None:
        stmt = stmt.where(ReturnRequest.requested_at >= start)
    if end is not None:
        stmt = stmt.where(ReturnRequest.requested_at < end)
    if status:
        stmt = stmt.where(ReturnRequest.status == status)
    stmt = stmt.order_by(ReturnRequest.requested_at.desc(), ReturnRequest.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(r, t) for r, t in session.execute(stmt)]


# --- early warning ---------------------------------------------------------------------------------


def matter_area_counts(session: Session, *, start: datetime, end: datetime) -> dict[tuple[int | None, str], int]:
    """Cases registered in [start, end) by (category, area); merged repeats count (each is a caller)."""
    area = func.coalesce(Ticket.district, NO_AREA)
    stmt = (select(Ticket.category_id, area, func.count()).where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.category_id, area))
    return {(c, d): int(n) for c, d, n in session.execute(stmt)}


def place_callers(session: Session, *, start: datetime, end: datetime,
                  min_callers: int) -> dict[tuple[int | None, str, str], tuple[int, int]]:
    """(category, area, address) → (distinct callers, cases) in [start, end), where at least min_callers
    different numbers called about one matter at one address."""
    area = func.coalesce(Ticket.district, NO_AREA)
    callers = func.count(func.distinct(Ticket.caller_phone))
    stmt = (select(Ticket.category_id, area, Ticket.address, callers, func.count())
            .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.caller_phone.is_not(None),
                   Ticket.address.is_not(None), Ticket.address != "")
            .group_by(Ticket.category_id, area, Ticket.address).having(callers >= min_callers))
    return {(c, d, a): (int(n), int(k)) for c, d, a, n, k in session.execute(stmt)}


def cases_of(session: Session, *, category_id: int | None, district: str, start: datetime, end: datetime,
             limit: int, place: str = "") -> list[str]:
    cond = Ticket.category_id.is_(None) if category_id is None else Ticket.category_id == category_id
    area = Ticket.district.is_(None) if district == NO_AREA else Ticket.district == district
    stmt = select(Ticket.number).where(cond, area, Ticket.created_at >= start, Ticket.created_at < end)
    if place:
        stmt = stmt.where(Ticket.address == place)
    stmt = (stmt
            .order_by(Ticket.created_at, Ticket.id).limit(limit))
    return list(session.scalars(stmt))


# --- runs and schedules -----------------------------------------------------------------------------


def list_runs(session: Session, *, limit: int, offset: int = 0) -> list[ReportRun]:
    return list(session.scalars(select(ReportRun).order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
                                .limit(limit).offset(offset)))


def run_by_key(session: Session, *, key: str) -> ReportRun | None:
    return session.scalars(select(ReportRun).where(ReportRun.schedule_key == key)).first()


def due_schedules(session: Session, *, now: datetime) -> list[ReportSchedule]:
    """Rows whose time has come and which no sweep holds (lease free or expired), locked for this sweep."""
    stmt = (select(ReportSchedule).where(ReportSchedule.next_due_at <= now,
                                         or_(ReportSchedule.lease_until.is_(None), ReportSchedule.lease_until <= now))
            .order_by(ReportSchedule.next_due_at, ReportSchedule.id).with_for_update(skip_locked=True))
    return list(session.scalars(stmt))


def schedule_rows(session: Session) -> list[ReportSchedule]:
    return list(session.scalars(select(ReportSchedule).order_by(ReportSchedule.id)))
