"""API shapes of the IVR prompt texts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PromptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="What the IVR says; one line, checked against settings.ivr_prompt_max_chars.")


class PromptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    purpose: str = Field(description="What the prompt is for (Chinese).")
    text: str = Field(description="The text in use.")
    default_text: str
    customized: bool = Field(description="True if an admin's text replaces the default.")
    updated_at: datetime | None
    updated_by: int | None
