"""Database access of the telephony domain (calls). No commits here: flows own the transactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound
from telephony.models import Call
from ticketing.models import Ticket

RETRYABLE = ("recorded", "processing", "failed")


def add_call(session: Session, *, call: Call) -> Call:
    session.add(call)
    session.flush()
    return call


def get_call(session: Session, *, call_id: int, for_update: bool = False) -> Call:
    stmt = select(Call).where(Call.id == call_id)
    if for_update:
        stmt = stmt.with_for_update()
    call = session.scalars(stmt).first()
    if call is None:
        raise NotFound(f"call {call_id} not found", call_id=call_id)
    return call


def find_call(session: Session, *, sip_call_id: str) -> Call | None:
    return session.scalars(select(Call).where(Call.sip_call_id == sip_call_id)).first()


def due_calls(session: Session, *, now: datetime, stale_before: datetime, limit: int) -> list[Call]:
    """Calls the sweep must take up: waiting rows (recorded, processing, failed) whose next_attempt_at has
    passed, and calls without a stored end that no worker has touched since `stale_before` (the worker
    died mid-call, or after handing the recording over early)."""
    stmt = (
        select(Call)
        .where(or_(
            and_(Call.status.in_(RETRYABLE), Call.next_attempt_at.is_not(None), Call.next_attempt_at <= now),
            and_(Call.ended_at.is_(None), Call.updated_at < stale_before),   # active ones included
        ))
        .order_by(Call.next_attempt_at, Call.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def recent_calls(session: Session, *, limit: int, statuses: list[str] | None = None) -> list[Call]:
    stmt = select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
    if statuses:
        stmt = stmt.where(Call.status.in_(statuses))
    return list(session.scalars(stmt))


def call_for_ticket(session: Session, *, number: str) -> Call | None:
    """The call a ticket was registered from (its transcript state, raw text and timed segments)."""
    return session.scalars(select(Call).where(Call.ticket_number == number).order_by(Call.id.desc()).limit(1)).first()


def ticket_for_call(session: Session, *, call_ref: str) -> str | None:
    """Number of a phone ticket already registered for this call (a crash after creating it)."""
    return session.scalars(
        select(Ticket.number).where(Ticket.call_ref == call_ref, Ticket.channel == "phone").limit(1)
    ).first()


def ticket_status(session: Session, *, number: str) -> str | None:
    return session.scalars(select(Ticket.status).where(Ticket.number == number)).first()
