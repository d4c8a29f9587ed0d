"""Emergency hand-off records: a case handed to 110/119/120/122 (转警/转急救), by whom, when, and how it went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow


class Handoff(Base):
    __tablename__ = "triage_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    service: Mapped[str] = mapped_column(String(8))  # 110 | 119 | 120 | 122
    outcome: Mapped[str] = mapped_column(String(16))  # see flows.OUTCOMES
    reason: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agent_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
