"""Return visits (回访): one due-row per closed case and round, the attempts made on it, and opt-outs.

The row is the schedule: Celery beat sweeps rows whose `due_at` has come (never broker ETAs), claims each
under a lease (`lease_until`), and an attempt row is written before any call is placed or SMS sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow

# due: the next call (or SMS once calls are used up) is due at due_at; sms_sent: waiting for a reply until
# due_at; rated: rating known, not yet on the ticket; done / unreachable / opted_out / no_phone: finished.
STATUSES = ("due", "sms_sent", "rated", "done", "unreachable", "opted_out", "no_phone")
OPEN = ("due", "sms_sent", "rated")
REPLY_STATUSES = ("open", "attached", "dismissed", "opt_out")


class ReturnVisit(Base):
    __tablename__ = "return_visits"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round", name="uq_return_visits_ticket_round"),
        Index("ix_return_visits_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    ticket_number: Mapped[str] = mapped_column(String(32), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)  # the ticket's reopen_count when it was closed
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="due")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(32))  # token of the task run handed this visit
    call_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sms_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sms_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)  # score 1 (非常不满意) … 5 (非常满意)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(8))  # call | sms: where the rating came from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitAttempt(Base):
    """One survey call or SMS. Written (outcome None) before the call is placed / the message sent."""

    __tablename__ = "visit_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("return_visits.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # call | sms | reply
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # answered | no_answer | busy | failed | lost | sent | rejected | error | delivered | undelivered | reply
    outcome: Mapped[str | None] = mapped_column(String(16))
    digit: Mapped[str | None] = mapped_column(String(8))
    ref: Mapped[str | None] = mapped_column(String(64))  # call reference or provider message id
    detail: Mapped[str | None] = mapped_column(Text)


class VisitOptOut(Base):
    """A caller who asked for no return visits (STOP by SMS, or recorded by staff). Removing one deletes the
    row; the audit trail (VisitAudit) keeps who added and removed it, and why."""

    __tablename__ = "visit_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # sms | staff
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnmatchedReply(Base):
    """An SMS reply that fits no waiting visit (unknown sender, late, or unreadable): logged, not lost."""

    __tablename__ = "visit_unmatched_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    message_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(32))  # no_visit | unreadable | stop
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # open: waits for a supervisor; attached: put on a visit by hand; dismissed: kept, marked; opt_out: a STOP
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open", index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("return_visits.id"))
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class VisitAudit(Base):
    """Who did what to opt-outs and unmatched replies (staff, or the caller by SMS)."""

    __tablename__ = "visit_audit"
    __table_args__ = (Index("ix_visit_audit_phone_at", "phone", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    # opt_out_added | opt_out_removed | reply_attached | reply_dismissed
    action: Mapped[str] = mapped_column(String(24))
    phone: Mapped[str | None] = mapped_column(String(32))
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("return_visits.id"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("visit_unmatched_replies.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # what the person gave as the reason
    detail: Mapped[str | None] = mapped_column(String(200))  # what the system adds (source, rating, …)
