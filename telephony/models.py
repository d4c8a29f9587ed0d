"""Calls (来电): one row per SIP call, written by the SIP workers through telephony.flows, outside the worker,
so a crashed worker loses no finished call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow

STATUSES = ("active", "recorded", "processing", "ticketed", "logged", "failed")
TRANSCRIPT_STATUSES = ("pending", "done", "empty", "failed")
DIRECTIONS = ("inbound", "outbound")


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_calls_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sip_call_id: Mapped[str] = mapped_column(String(128), unique=True)
    direction: Mapped[str] = mapped_column(String(8), default="inbound")
    caller: Mapped[str | None] = mapped_column(String(32))  # normalised; None when unknown or anonymous
    caller_raw: Mapped[str | None] = mapped_column(String(128))  # as received, for the call log
    callee: Mapped[str | None] = mapped_column(String(64))
    worker: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ivr_path: Mapped[list[Any]] = mapped_column(JSON, default=list)  # IVR nodes in the order visited
    digits: Mapped[str] = mapped_column(String(64), default="")
    menu_choice: Mapped[str | None] = mapped_column(String(16))
    ticket_type: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_path: Mapped[str | None] = mapped_column(String(500))  # relative to data_dir/recordings
    recording_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str | None] = mapped_column(String(32))  # how the call ended (hangup, blocked, lost, …)
    status: Mapped[str] = mapped_column(String(16), default="active")
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_status: Mapped[str] = mapped_column(String(16), default="pending")
    transcript_engine: Mapped[str | None] = mapped_column(String(32))
    transcript_raw: Mapped[str | None] = mapped_column(Text)  # engine text when post-correction changed it
    transcript_segments: Mapped[list[Any] | None] = mapped_column(JSON)  # [{start, end, text, confidence}]
    transcript_corrections: Mapped[list[Any] | None] = mapped_column(JSON)  # [{heard, term, cost, …}]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_number: Mapped[str | None] = mapped_column(String(32), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
