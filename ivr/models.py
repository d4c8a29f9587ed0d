"""IVR prompt texts (提示音文本). The IVR renders its WAV prompts from these with an offline TTS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow


class IvrPrompt(Base):
    """An admin's text for one prompt; a key without a row uses `ivr.prompts.DEFAULT_PROMPTS`."""

    __tablename__ = "ivr_prompts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "greeting", "menu"
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: system / CLI
