"""Request bodies of the triage API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field("", max_length=100_000)
    menu_type: str | None = None


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Literal["110", "119", "120", "122"]
    outcome: Literal["transferred", "three_way", "not_reached", "not_needed"] = "transferred"
    note: str | None = Field(None, max_length=2000)


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=2000)
