"""Database access of abuse screening: incidents, blacklist entries, blocked attempts, audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from abuse.models import AbuseAudit, AbuseIncident, BlacklistEntry, BlockedAttempt
from hotline.database import first_or_not_found
from hotline.errors import NotFound

OPEN = ("proposed", "active")


def add_incident(session: Session, *, caller: str, kind: str, source: str, note: str | None = None,
                 call_id: int | None = None, ticket_number: str | None = None, recording_path: str | None = None,
                 excerpt: str | None = None, evidence: list[Any] | None = None, reported_by: int | None = None,
                 now: datetime) -> AbuseIncident:
    incident = AbuseIncident(caller=caller, kind=kind, source=source, note=note, call_id=call_id,
                             ticket_number=ticket_number, recording_path=recording_path, excerpt=excerpt,
                             evidence=list(evidence or []), reported_by=reported_by, created_at=now)
    session.add(incident)
    session.flush()
    return incident


def incident_for_call(session: Session, *, call_id: int, source: str) -> AbuseIncident | None:
    return session.scalars(select(AbuseIncident).where(AbuseIncident.call_id == call_id,
                                                       AbuseIncident.source == source)).first()


def pattern_incident_exists(session: Session, *, caller: str, since: datetime) -> bool:
    stmt = select(AbuseIncident.id).where(AbuseIncident.caller == caller, AbuseIncident.source == "pattern",
                                          AbuseIncident.created_at >= since)
    return session.scalars(stmt).first() is not None


def incidents_since(session: Session, *, caller: str, since: datetime, lock: bool = False) -> list[AbuseIncident]:
    stmt = (select(AbuseIncident).where(AbuseIncident.caller == caller, AbuseIncident.created_at >= since)
            .order_by(AbuseIncident.created_at, AbuseIncident.id))
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def _newest(session: Session, model, *, limit: int, **equal: str | None) -> list:
    """Rows of `model`, newest first, where each given (non-empty) column value matches."""
    stmt = select(model).order_by(model.created_at.desc(), model.id.desc()).limit(limit)
    for column, value in equal.items():
        if value:
            stmt = stmt.where(getattr(model, column) == value)
    return list(session.scalars(stmt))


def list_incidents(session: Session, *, caller: str | None = None, kind: str | None = None,
                   source: str | None = None, limit: int = 100) -> list[AbuseIncident]:
    return _newest(session, AbuseIncident, limit=limit, caller=caller, kind=kind, source=source)


def get_entry(session: Session, *, entry_id: int, lock: bool = False) -> BlacklistEntry:
    return first_or_not_found(session, select(BlacklistEntry).where(BlacklistEntry.id == entry_id), lock=lock,
                              message="blacklist entry not found", entry_id=entry_id)


def open_entry(session: Session, *, caller: str) -> BlacklistEntry | None:
    """The caller's proposed or active entry (at most one is open at a time)."""
    stmt = (select(BlacklistEntry).where(BlacklistEntry.caller == caller, BlacklistEntry.status.in_(OPEN))
            .order_by(BlacklistEntry.id.desc()))
    return session.scalars(stmt).first()


def active_entry(session: Session, *, caller: str, now: datetime) -> BlacklistEntry | None:
    stmt = (select(BlacklistEntry).where(BlacklistEntry.caller == caller, BlacklistEntry.status == "active",
                                         BlacklistEntry.expires_at > now).order_by(BlacklistEntry.id.desc()))
    return session.scalars(stmt).first()


def served_blacklists(session: Session, *, caller: str) -> int:
    """Temporary blacklists the caller has served (confirmed, appeal not granted): the next step of the ladder."""
    stmt = select(func.count(BlacklistEntry.id)).where(
        BlacklistEntry.caller == caller, BlacklistEntry.automatic.is_(True),
        BlacklistEntry.confirmed_by.is_not(None), BlacklistEntry.appeal_status != "granted")
    return int(session.scalar(stmt) or 0)


def list_entries(session: Session, *, status: str | None = None, caller: str | None = None,
                 appeal_status: str | None = None, limit: int = 100) -> list[BlacklistEntry]:
    return _newest(session, BlacklistEntry, limit=limit, status=status, caller=caller, appeal_status=appeal_status)


def due_entry_ids(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    stmt = (select(BlacklistEntry.id).where(BlacklistEntry.status == "active", BlacklistEntry.expires_at <= now)
            .order_by(BlacklistEntry.expires_at).limit(limit))
    return list(session.scalars(stmt))


def add_attempt(session: Session, *, caller: str, entry_id: int | None, now: datetime) -> BlockedAttempt:
    attempt = BlockedAttempt(caller=caller, entry_id=entry_id, attempted_at=now, emergency=False)
    session.add(attempt)
    session.flush()
    return attempt


def unlinked_attempt(session: Session, *, caller: str, after: datetime, before: datetime) -> BlockedAttempt | None:
    """The latest blocked attempt of `caller` not yet tied to its call row, screened between the two times."""
    stmt = (select(BlockedAttempt).where(BlockedAttempt.caller == caller, BlockedAttempt.call_id.is_(None),
                                         BlockedAttempt.attempted_at >= after, BlockedAttempt.attempted_at <= before)
            .order_by(BlockedAttempt.attempted_at.desc()))
    return session.scalars(stmt).first()


def list_attempts(session: Session, *, caller: str | None = None, emergency: bool | None = None,
                  unreviewed: bool = False, limit: int = 100) -> list[BlockedAttempt]:
    stmt = select(BlockedAttempt).order_by(BlockedAttempt.attempted_at.desc(), BlockedAttempt.id.desc()).limit(limit)
    if caller:
        stmt = stmt.where(BlockedAttempt.caller == caller)
    if emergency is not None:
        stmt = stmt.where(BlockedAttempt.emergency.is_(emergency))
    if unreviewed:
        stmt = stmt.where(BlockedAttempt.reviewed_at.is_(None))
    return list(session.scalars(stmt))


def get_attempt(session: Session, *, attempt_id: int) -> BlockedAttempt:
    attempt = session.get(BlockedAttempt, attempt_id)
    if attempt is None:
        raise NotFound("blocked attempt not found", attempt_id=attempt_id)
    return attempt


def add_audit(session: Session, *, caller: str, action: str, actor_id: int | None, actor_name: str,
              now: datetime, entry_id: int | None = None, incident_id: int | None = None,
              reason: str | None = None) -> AbuseAudit:
    row = AbuseAudit(caller=caller, action=action, actor_id=actor_id, actor_name=actor_name, at=now,
                     entry_id=entry_id, incident_id=incident_id, reason=reason)
    session.add(row)
    return row


def audit_for(session: Session, *, caller: str | None = None, entry_id: int | None = None,
              limit: int = 200) -> list[AbuseAudit]:
    stmt = select(AbuseAudit).order_by(AbuseAudit.at, AbuseAudit.id).limit(limit)
    if caller:
        stmt = stmt.where(AbuseAudit.caller == caller)
    if entry_id is not None:
        stmt = stmt.where(AbuseAudit.entry_id == entry_id)
    return list(session.scalars(stmt))


def ticket_caller(session: Session, *, number: str) -> str | None:
    from ticketing.models import Ticket

    found = session.execute(select(Ticket.id, Ticket.caller_phone).where(Ticket.number == number)).first()
    if found is None:
        raise NotFound("ticket not found", number=number)
    return found.caller_phone
