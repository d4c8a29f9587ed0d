"""Database access of return visits (select() style, keyword-only arguments, no commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from callbacks.models import OPEN, ReturnVisit, UnmatchedReply, VisitAttempt, VisitAudit, VisitOptOut
from hotline.database import first_or_not_found
from ticketing.models import Ticket
from ticketing.org.models import User
from ticketing.rules import dissatisfied_score


def closed_without_visit(session: Session, *, since: datetime, after: tuple[datetime, int] | None,
                         limit: int) -> list[tuple]:
    """(id, number, reopen_count, caller_phone, closed_at) of cases closed since `since` (and after the key
    `after` = (closed_at, id), for paging) whose current round has no visit yet."""
    visit = and_(ReturnVisit.ticket_id == Ticket.id, ReturnVisit.round == Ticket.reopen_count)
    stmt = (select(Ticket.id, Ticket.number, Ticket.reopen_count, Ticket.caller_phone, Ticket.closed_at)
            .outerjoin(ReturnVisit, visit)
            .where(Ticket.closed_at.is_not(None), Ticket.closed_at >= since, ReturnVisit.id.is_(None))
            .order_by(Ticket.closed_at, Ticket.id).limit(limit))
    if after is not None:
        stmt = stmt.where(or_(Ticket.closed_at > after[0], and_(Ticket.closed_at == after[0], Ticket.id > after[1])))
    return [tuple(row) for row in session.execute(stmt)]


def due_ids(session: Session, *, now: datetime, after: tuple[datetime, int] | None,
            limit: int) -> list[tuple[int, datetime]]:
    """(id, due_at) of open visits whose time has come and which no task run holds (lease free or expired),
    locked, after the key `after` = (due_at, id) for paging."""
    stmt = (select(ReturnVisit.id, ReturnVisit.due_at)
            .where(ReturnVisit.status.in_(OPEN), ReturnVisit.due_at <= now,
                   or_(ReturnVisit.lease_until.is_(None), ReturnVisit.lease_until <= now))
            .order_by(ReturnVisit.due_at, ReturnVisit.id).limit(limit).with_for_update(skip_locked=True))
    if after is not None:
        stmt = stmt.where(or_(ReturnVisit.due_at > after[0],
                              and_(ReturnVisit.due_at == after[0], ReturnVisit.id > after[1])))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def hand_out(session: Session, *, ids: list[int], token: str, lease_until: datetime) -> None:
    """Lease the visits to one sweep's messages (one token per batch: each message names its visit)."""
    if ids:
        session.execute(update(ReturnVisit).where(ReturnVisit.id.in_(ids))
                        .values(claim=token, lease_until=lease_until), execution_options={"synchronize_session": False})


def opted_out(session: Session, *, phones: list[str]) -> set[str]:
    if not phones:
        return set()
    return set(session.scalars(select(VisitOptOut.phone).where(VisitOptOut.phone.in_(phones))))


def add_visits(session: Session, *, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(ReturnVisit), rows)


def get_visit(session: Session, *, visit_id: int, for_update: bool = False) -> ReturnVisit:
    return first_or_not_found(session, select(ReturnVisit).where(ReturnVisit.id == visit_id), lock=for_update,
                              message=f"return visit {visit_id} not found", visit_id=visit_id)


def unfinished_attempts(session: Session, *, visit_id: int) -> list[VisitAttempt]:
    return list(session.scalars(select(VisitAttempt).where(VisitAttempt.visit_id == visit_id,
                                                           VisitAttempt.outcome.is_(None))))


def attempts(session: Session, *, visit_ids: list[int]) -> list[VisitAttempt]:
    return list(session.scalars(select(VisitAttempt).where(VisitAttempt.visit_id.in_(visit_ids))
                                .order_by(VisitAttempt.id)))


def visits_of(session: Session, *, number: str) -> list[ReturnVisit]:
    return list(session.scalars(select(ReturnVisit).where(ReturnVisit.ticket_number == number)
                                .order_by(ReturnVisit.id)))


def attempt_by_ref(session: Session, *, channel: str, ref: str) -> VisitAttempt | None:
    return session.scalars(select(VisitAttempt).where(VisitAttempt.channel == channel, VisitAttempt.ref == ref)
                           .limit(1)).first()


def waiting_for_reply(session: Session, *, phone: str) -> ReturnVisit | None:
    """The newest visit of this phone waiting for an SMS answer, locked."""
    stmt = (select(ReturnVisit).where(ReturnVisit.phone == phone, ReturnVisit.status == "sms_sent")
            .order_by(ReturnVisit.id.desc()).limit(1).with_for_update())
    return session.scalars(stmt).first()


def open_visits_of_phone(session: Session, *, phone: str) -> list[ReturnVisit]:
    return list(session.scalars(select(ReturnVisit).where(ReturnVisit.phone == phone,
                                                          ReturnVisit.status.in_(("due", "sms_sent")))
                                .with_for_update()))


def is_opted_out(session: Session, *, phone: str) -> bool:
    return session.scalar(select(VisitOptOut.id).where(VisitOptOut.phone == phone)) is not None


def add_opt_out(session: Session, *, phone: str, source: str, reason: str | None = None,
                created_by: int | None = None) -> bool:
    if is_opted_out(session, phone=phone):
        return False
    session.add(VisitOptOut(phone=phone, source=source, reason=reason, created_by=created_by))
    session.flush()
    return True


def get_opt_out(session: Session, *, phone: str) -> VisitOptOut | None:
    return session.scalars(select(VisitOptOut).where(VisitOptOut.phone == phone).with_for_update()).first()


def list_opt_outs(session: Session, *, phone: str | None = None, limit: int) -> list[tuple[VisitOptOut, str | None]]:
    """Opt-outs newest first, each with the display name of the staff member who recorded it."""
    stmt = (select(VisitOptOut, User.display_name).outerjoin(User, User.id == VisitOptOut.created_by)
            .order_by(VisitOptOut.created_at.desc(), VisitOptOut.id.desc()).limit(limit))
    if phone:
        stmt = stmt.where(VisitOptOut.phone == phone)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def delete_opt_out(session: Session, *, opt_out: VisitOptOut) -> None:
    session.delete(opt_out)
    session.flush()


def get_reply(session: Session, *, reply_id: int, for_update: bool = False) -> UnmatchedReply:
    return first_or_not_found(session, select(UnmatchedReply).where(UnmatchedReply.id == reply_id),
                              lock=for_update, message=f"unmatched reply {reply_id} not found", reply_id=reply_id)


def list_replies(session: Session, *, statuses: list[str], limit: int) -> list[UnmatchedReply]:
    return list(session.scalars(select(UnmatchedReply).where(UnmatchedReply.status.in_(statuses))
                                .order_by(UnmatchedReply.received_at.desc(), UnmatchedReply.id.desc())
                                .limit(limit)))


def latest_visit_of(session: Session, *, number: str) -> ReturnVisit | None:
    """The case's newest visit (its current round), locked."""
    return session.scalars(select(ReturnVisit).where(ReturnVisit.ticket_number == number)
                           .order_by(ReturnVisit.round.desc(), ReturnVisit.id.desc()).limit(1)
                           .with_for_update()).first()


def add_audit(session: Session, **values) -> None:
    session.add(VisitAudit(**values))


def audit_log(session: Session, *, phone: str | None = None, limit: int) -> list[VisitAudit]:
    stmt = select(VisitAudit).order_by(VisitAudit.at.desc(), VisitAudit.id.desc()).limit(limit)
    if phone:
        stmt = stmt.where(VisitAudit.phone == phone)
    return list(session.scalars(stmt))


def unmatched_seen(session: Session, *, message_ref: str) -> bool:
    return session.scalar(select(UnmatchedReply.id).where(UnmatchedReply.message_ref == message_ref)) is not None


def list_visits(session: Session, *, statuses: list[str], limit: int) -> list[ReturnVisit]:
    return list(session.scalars(select(ReturnVisit).where(ReturnVisit.status.in_(statuses))
                                .order_by(ReturnVisit.due_at.desc()).limit(limit)))


def dissatisfied(session: Session, *, limit: int) -> list[ReturnVisit]:
    return list(session.scalars(select(ReturnVisit).where(dissatisfied_score(ReturnVisit.rating))
                                .order_by(ReturnVisit.finished_at.desc()).limit(limit)))


def unrated_visit_numbers(session: Session, *, phones: list[str]) -> dict[str, str]:
    """For each phone, the case number of its newest visit without a rating (where a late reply belongs)."""
    found: dict[str, str] = {}
    if not phones:
        return found
    rows = session.execute(select(ReturnVisit.phone, ReturnVisit.ticket_number)
                           .where(ReturnVisit.phone.in_(phones), ReturnVisit.rating.is_(None))
                           .order_by(ReturnVisit.id.desc()))
    for phone, number in rows:
        found.setdefault(phone, number)
    return found
