"""ACD API: the logged-in agent's state, queue figures (wallboard), daily figures, the 漏接回拨 list."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from acd import flows, phones, service, stats
from acd.models import CALLBACK_STATUSES
from acd.schemas import CallbackIn, CallbackOut, DailyOut, PhoneOut, StateIn, StateOut, StatsOut
from hotline.deps import Ctx, ReadSession
from hotline.errors import ValidationFailed
from ticketing.enums import Role
from ticketing.org.auth import CurrentActor
from ticketing.phones import mask

router = APIRouter(prefix="/api/v1/acd", tags=["acd"])
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
BOSSES = (Role.SUPERVISOR, Role.ADMIN)


@router.post("/state", response_model=StateOut)
def set_state(body: StateIn, actor: CurrentActor, context: Ctx) -> dict:
    actor.require(*STAFF)
    return flows.set_state(context, user_id=actor.id, state=body.state, reason=body.reason)


@router.get("/state", response_model=StateOut)
def my_state(actor: CurrentActor, context: Ctx) -> dict:
    actor.require(*STAFF)
    return flows.agent_state(context, user_id=actor.id)


@router.get("/stats", response_model=StatsOut)
def queue_stats(actor: CurrentActor, context: Ctx) -> dict:
    actor.require(*STAFF)
    return stats.stats(context)


@router.get("/daily", response_model=list[DailyOut])
def daily(start: date, end: date, actor: CurrentActor, context: Ctx) -> list[dict]:
    actor.require(*BOSSES)
    if end < start or (end - start).days > 366:
        raise ValidationFailed("end must be on or after start, at most 366 days later", field="end")
    return stats.daily(context, start=start, end=end)


@router.get("/agents", response_model=list[PhoneOut])
def agents(actor: CurrentActor, session: ReadSession) -> list[dict]:
    actor.require(*BOSSES)
    return phones.list_phones(session)


@router.get("/callbacks", response_model=list[CallbackOut])
def callbacks(actor: CurrentActor, session: ReadSession, context: Ctx, status: str | None = None,
              limit: int = 100) -> list:
    actor.require(*STAFF)
    if status is not None and status not in CALLBACK_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(CALLBACK_STATUSES)}", field="status")
    rows = [CallbackOut.model_validate(r) for r in service.callbacks(session, status=status,
                                                                      limit=max(1, min(limit, 500)))]
    if actor.role.value not in context.settings.roles_seeing_caller:
        rows = [r.model_copy(update={"caller": mask(r.caller)}) for r in rows]
    return rows


@router.post("/callbacks/{callback_id}", response_model=CallbackOut)
def mark_callback(callback_id: int, body: CallbackIn, actor: CurrentActor, context: Ctx):
    actor.require(*STAFF)
    row = CallbackOut.model_validate(flows.mark_callback(context, callback_id=callback_id, user_id=actor.id,
                                                         outcome=body.outcome, note=body.note))
    if actor.role.value not in context.settings.roles_seeing_caller:
        row = row.model_copy(update={"caller": mask(row.caller)})
    return row
