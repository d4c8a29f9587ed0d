"""ACD tables: agent phones (SIP digest HA1, never the password), agent states and their log, queue calls,
the 漏接回拨 (missed-call callback) list and stored daily figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow

QUEUE_STATUSES = ("waiting", "ringing", "answered", "abandoned", "message")
CALLBACK_STATUSES = ("pending", "done")
CALLBACK_OUTCOMES = ("reached", "no_answer", "busy", "wrong_number", "resolved_elsewhere")


class AgentPhone(Base):
    __tablename__ = "acd_agent_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # SIP auth user = the console login
    extension: Mapped[str] = mapped_column(String(16), unique=True)
    realm: Mapped[str] = mapped_column(String(100))
    ha1: Mapped[str] = mapped_column(String(32))  # md5(username:realm:password)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentStatus(Base):
    """The agent's routing state (one row per agent); mirrors `acd.engine.Agent`."""

    __tablename__ = "acd_agents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="logged_out")
    reason: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)  # urgent, dialect, domain names
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    call_id: Mapped[int | None] = mapped_column(Integer)  # the queue call ringing or bridged
    ring_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrap_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentStateLog(Base):
    __tablename__ = "acd_agent_state_log"
    __table_args__ = (Index("ix_acd_state_log_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QueueCall(Base):
    __tablename__ = "acd_queue_calls"
    __table_args__ = (Index("ix_acd_queue_calls_status", "status"), Index("ix_acd_queue_calls_queued", "queued_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_ref: Mapped[str | None] = mapped_column(String(200))  # the SIP Call-ID / telephony call
    caller: Mapped[str | None] = mapped_column(String(32))  # normalised (ticketing.phones.normalize)
    urgent: Mapped[bool] = mapped_column(default=False)
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # abandoned or went to leave a message
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # bridged call hung up
    # figures kept on the row so queue statistics are plain SQL aggregates on every backend
    wait_seconds: Mapped[float | None] = mapped_column(Float)  # queued → answered
    talk_seconds: Mapped[float | None] = mapped_column(Float)  # answered → ended
    wrap_seconds: Mapped[float | None] = mapped_column(Float)  # ended → agent out of wrap-up
    # the bridged conversation (both sides) and the caller's side alone, both relative to data_dir/recordings;
    # the caller's side grows while they talk and is what the live transcriber reads
    recording_path: Mapped[str | None] = mapped_column(String(500))
    live_audio_path: Mapped[str | None] = mapped_column(String(500))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # the case the agent saved


class Registration(Base):
    """Where an agent's SIP phone can be reached now (REGISTER with digest auth); one per phone, newest wins."""

    __tablename__ = "acd_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    contact: Mapped[str] = mapped_column(String(300))  # SIP URI the phone asked to be reached at
    source: Mapped[str | None] = mapped_column(String(80))  # transport:address:port the REGISTER came from
    user_agent: Mapped[str | None] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TranscriptPart(Base):
    """Live transcript of a bridged call's caller side: partial text replaced until `final`, in `seq` order."""

    __tablename__ = "acd_transcript_parts"
    __table_args__ = (Index("ix_acd_transcript_parts_call_seq", "queue_call_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_call_id: Mapped[int] = mapped_column(ForeignKey("acd_queue_calls.id"))
    seq: Mapped[int] = mapped_column(Integer)  # sentence number within the call
    text: Mapped[str] = mapped_column(Text, default="")
    final: Mapped[bool] = mapped_column(default=False)
    start_seconds: Mapped[float | None] = mapped_column(Float)  # offset in the caller-side audio
    end_seconds: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MissedCallback(Base):
    """漏接回拨: one row per abandoned queue call, worked by agents."""

    __tablename__ = "acd_callbacks"
    __table_args__ = (Index("ix_acd_callbacks_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_call_id: Mapped[int] = mapped_column(ForeignKey("acd_queue_calls.id"), unique=True)
    caller: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DailyStats(Base):
    __tablename__ = "acd_daily_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local day
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    left_message: Mapped[int] = mapped_column(Integer, default=0)
    answered_within: Mapped[int] = mapped_column(Integer, default=0)
    asa_seconds: Mapped[float | None] = mapped_column(Float)
    aht_seconds: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
