"""Abuse incidents, blacklist entries, blocked attempts and the audit trail of every decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow

# 辱骂 insult, 威胁 threat, 骚扰 harassment, 无理纠缠 pestering, 恶意占线 line-tying
KINDS = ("insult", "threat", "harassment", "pestering", "line_tying")
KIND_LABELS = {"insult": "辱骂", "threat": "威胁", "harassment": "骚扰", "pestering": "无理纠缠",
               "line_tying": "恶意占线"}
SOURCES = ("agent", "lexicon", "pattern")
# proposed → active (supervisor confirms) → expired | lifted; proposed → rejected
ENTRY_STATUSES = ("proposed", "active", "expired", "lifted", "rejected")
APPEAL_STATUSES = ("none", "pending", "granted", "denied")


class AbuseIncident(Base):
    __tablename__ = "abuse_incidents"
    __table_args__ = (Index("ix_abuse_incidents_caller_created", "caller", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(32))  # normalised (ticketing.phones.normalize)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(32), index=True)
    recording_path: Mapped[str | None] = mapped_column(String(500))
    excerpt: Mapped[str | None] = mapped_column(Text)  # transcript excerpt around the matched words
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)  # matched words / pattern figures
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the warning was played
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlacklistEntry(Base):
    __tablename__ = "blacklist_entries"
    __table_args__ = (
        Index("ix_blacklist_caller_status", "caller", "status"),
        Index("ix_blacklist_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    level: Mapped[int] = mapped_column(Integer, default=1)  # 1-based step of the duration ladder; 0 = manual
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(default=False)
    incident_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_status: Mapped[str] = mapped_column(String(16), default="none")
    appeal_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlockedAttempt(Base):
    """One row per call the screen kept out (nothing is dropped silently)."""

    __tablename__ = "blocked_attempts"
    __table_args__ = (Index("ix_blocked_attempts_caller_at", "caller", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("blacklist_entries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # linked by the sweep once the call is logged: a pressed emergency key leaves an urgent ticket for review
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    emergency: Mapped[bool] = mapped_column(default=False)
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AbuseAudit(Base):
    """Who did what and why, for incidents and blacklist entries."""

    __tablename__ = "abuse_audit"
    __table_args__ = (Index("ix_abuse_audit_caller_at", "caller", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))  # incident, warned, proposed, confirmed, rejected, ...
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("blacklist_entries.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("abuse_incidents.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
