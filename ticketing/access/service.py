"""Database access of the access audit and of login attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.orm import Session

from hotline.database import utcnow
from ticketing.access.models import AccessRecord, LoginAttempt


@dataclass(frozen=True)
class Who:
    """The person (or system) an access record names."""

    id: int | None
    name: str
    role: str
    client: str | None = None


def record(session: Session, *, who: Who, action: str, ticket_number: str | None = None,
           caller: str | None = None, detail: dict[str, Any] | None = None) -> AccessRecord:
    row = AccessRecord(at=utcnow(), actor_id=who.id, actor_name=who.name[:100], actor_role=who.role[:16],
                       action=action, ticket_number=ticket_number, caller=caller,
                       client=(who.client or None) and who.client[:64], detail=detail or {})
    session.add(row)
    session.flush()
    return row


def list_records(session: Session, *, caller: str | None = None, ticket_number: str | None = None,
                 action: str | None = None, actor_id: int | None = None, limit: int = 100,
                 offset: int = 0) -> list[AccessRecord]:
    stmt = select(AccessRecord).order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
    if caller is not None:
        stmt = stmt.where(AccessRecord.caller == caller)
    if ticket_number is not None:
        stmt = stmt.where(AccessRecord.ticket_number == ticket_number)
    if action is not None:
        stmt = stmt.where(AccessRecord.action == action)
    if actor_id is not None:
        stmt = stmt.where(AccessRecord.actor_id == actor_id)
    return list(session.scalars(stmt.limit(limit).offset(offset)))


# --- login attempts --------------------------------------------------------------------------------


def add_attempt(session: Session, *, username: str, client: str, ok: bool, at: datetime) -> None:
    session.add(LoginAttempt(at=at, username=username[:64], client=client[:64], ok=ok))
    session.flush()


def client_failures(session: Session, *, client: str, since: datetime) -> int:
    """Failed attempts from one address since `since` (any username)."""
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.client == client, LoginAttempt.ok.is_(False), LoginAttempt.at >= since)) or 0


def account_failures(session: Session, *, username: str, since: datetime) -> tuple[int, int, datetime | None]:
    """(failed attempts, distinct addresses they came from, time of the last one) for one username."""
    count, clients, last = session.execute(select(
        func.count(), func.count(distinct(LoginAttempt.client)), func.max(LoginAttempt.at),
    ).where(LoginAttempt.username == username, LoginAttempt.ok.is_(False), LoginAttempt.at >= since)).one()
    return count or 0, clients or 0, last


def known_good_client(session: Session, *, username: str, client: str, since: datetime) -> bool:
    """Whether this address logged in to this account successfully since `since`."""
    return session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.client == client, LoginAttempt.ok.is_(True),
        LoginAttempt.at >= since).limit(1)) is not None


def forget_failures(session: Session, *, username: str | None = None, client: str | None = None) -> int:
    """Delete failed attempts of a username and/or an address (an unlock; a successful login)."""
    stmt = delete(LoginAttempt).where(LoginAttempt.ok.is_(False))
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if client is not None:
        stmt = stmt.where(LoginAttempt.client == client)
    return session.execute(stmt).rowcount or 0
