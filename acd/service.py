"""Database access of the ACD (keyword-only, `select()`): agents, phones, queue calls, callbacks, figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from acd.models import (AgentPhone, AgentStateLog, AgentStatus, DailyStats, MissedCallback, QueueCall, Registration,
                        TranscriptPart)
from ticketing.org.models import User

LOCK_KEY = 13_0013  # pg advisory lock of the routing state (SQLite serialises writers at BEGIN IMMEDIATE)


def lock_routing(session: Session) -> None:
    """One routing decision at a time across processes: the engine sees every agent and caller at once."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def agents(session: Session) -> list[AgentStatus]:
    return list(session.scalars(select(AgentStatus).order_by(AgentStatus.user_id)))


def active_calls(session: Session) -> list[QueueCall]:
    return list(session.scalars(select(QueueCall).where(QueueCall.status.in_(("waiting", "ringing")))
                                .order_by(QueueCall.id)))


def user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def phone_of_user(session: Session, *, user_id: int) -> AgentPhone | None:
    return session.scalar(select(AgentPhone).where(AgentPhone.user_id == user_id))


def phone_by_extension(session: Session, *, extension: str) -> AgentPhone | None:
    return session.scalar(select(AgentPhone).where(AgentPhone.extension == extension))


def phones(session: Session) -> list[tuple[AgentPhone, User, AgentStatus | None]]:
    stmt = (select(AgentPhone, User, AgentStatus).join(User, User.id == AgentPhone.user_id)
            .outerjoin(AgentStatus, AgentStatus.user_id == AgentPhone.user_id).order_by(AgentPhone.extension))
    return [tuple(row) for row in session.execute(stmt)]


def queue_totals(session: Session, *, start: datetime, end: datetime, threshold: float) -> dict:
    """Totals of the calls queued in [start, end), one aggregate query (index on queued_at)."""
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(select(
        func.count().label("offered"),
        func.count(QueueCall.answered_at).label("answered"),
        count_if(QueueCall.status == "abandoned").label("abandoned"),
        count_if(QueueCall.status == "message").label("left_message"),
        count_if(QueueCall.wait_seconds <= threshold).label("answered_within"),
        func.avg(QueueCall.wait_seconds).label("asa"),
        func.avg(QueueCall.talk_seconds + func.coalesce(QueueCall.wrap_seconds, 0.0)).label("aht"),
    ).where(QueueCall.queued_at >= start, QueueCall.queued_at < end)).one()
    return row._asdict()


def oldest_waiting(session: Session) -> datetime | None:
    return session.scalar(select(func.min(QueueCall.queued_at))
                          .where(QueueCall.status.in_(("waiting", "ringing"))))


def waiting_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(QueueCall.status.in_(("waiting", "ringing")))) or 0


def agents_by_state(session: Session) -> dict[str, int]:
    return dict(session.execute(select(AgentStatus.state, func.count()).group_by(AgentStatus.state)).all())


def state_log(session: Session, *, user_id: int, start: datetime, end: datetime) -> list[AgentStateLog]:
    """The agent's changes in [start, end), with the last one before start (the state they began in)."""
    before = session.scalar(select(AgentStateLog).where(AgentStateLog.user_id == user_id, AgentStateLog.at < start)
                            .order_by(AgentStateLog.at.desc(), AgentStateLog.id.desc()).limit(1))
    rows = list(session.scalars(select(AgentStateLog).where(AgentStateLog.user_id == user_id,
                                                            AgentStateLog.at >= start, AgentStateLog.at < end)
                                .order_by(AgentStateLog.at, AgentStateLog.id)))
    return ([before] if before else []) + rows


def callbacks(session: Session, *, status: str | None = None, limit: int = 100) -> list[MissedCallback]:
    stmt = select(MissedCallback).order_by(MissedCallback.created_at.desc(), MissedCallback.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(MissedCallback.status == status)
    return list(session.scalars(stmt))


def daily_row(session: Session, *, day: date) -> DailyStats | None:
    return session.get(DailyStats, day)


def daily_rows(session: Session, *, start: date, end: date) -> list[DailyStats]:
    return list(session.scalars(select(DailyStats).where(DailyStats.day >= start, DailyStats.day <= end)
                                .order_by(DailyStats.day)))


def registration_of_user(session: Session, *, user_id: int) -> Registration | None:
    return session.scalar(select(Registration).where(Registration.user_id == user_id))


def agent_contact(session: Session, *, user_id: int, now: datetime) -> str | None:
    """The SIP URI the agent's phone registered, while its registration has not expired."""
    return session.scalar(select(Registration.contact).where(Registration.user_id == user_id,
                                                             Registration.expires_at > now))


def transcript_parts(session: Session, *, queue_call_id: int) -> list[TranscriptPart]:
    return list(session.scalars(select(TranscriptPart).where(TranscriptPart.queue_call_id == queue_call_id)
                                .order_by(TranscriptPart.seq)))
