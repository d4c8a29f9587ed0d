"""ACD request and response bodies (the route and field names of issue 13 are contracts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ticketing.schemas import StrictIn


class StateIn(StrictIn):
    state: Literal["available", "on_break", "logged_out"]
    reason: str | None = Field(None, max_length=200)


class StateOut(BaseModel):
    user_id: int
    state: str
    reason: str | None
    since: datetime
    skills: list[str]
    call_id: int | None
    wrap_until: datetime | None


class CallbackIn(StrictIn):
    outcome: Literal["reached", "no_answer", "busy", "wrong_number", "resolved_elsewhere"]
    note: str | None = Field(None, max_length=2000)


class CallbackOut(BaseModel):
    id: int
    queue_call_id: int
    caller: str | None
    status: str
    outcome: str | None
    note: str | None
    handled_by: int | None
    handled_at: datetime | None
    created_at: datetime

    model_config = {"from_attributes": True}


class DailyOut(BaseModel):
    """One day's queue figures (the stored daily row)."""

    day: str
    offered: int
    answered: int
    abandoned: int
    left_message: int
    answered_within: int
    service_level: float | None
    answer_rate: float | None  # 接通率
    asa_seconds: float | None
    aht_seconds: float | None


class StatsOut(DailyOut):
    """Today's figures so far, with the queue and the agents as they are now."""

    service_level_seconds: float
    waiting: int
    longest_wait_seconds: float
    agents_by_state: dict[str, int]
    as_of: str


class PhoneOut(BaseModel):
    username: str
    display_name: str
    extension: str
    realm: str
    state: str
    reason: str | None
    skills: list[str]
    updated_at: datetime
