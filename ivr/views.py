"""IVR prompt texts API: every signed-in account (staff and the IVR's system account) reads; admins write."""

from __future__ import annotations

from fastapi import APIRouter

from hotline.deps import Ctx, DbSession, ReadSession
from ivr import prompts
from ivr.schemas import PromptIn, PromptOut
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1/ivr", tags=["ivr"])


@router.get("/prompts", response_model=list[PromptOut])
def list_prompts(_actor: CurrentActor, session: ReadSession) -> list[PromptOut]:
    return [PromptOut.model_validate(view) for view in prompts.list_prompts(session)]


@router.get("/prompts/{key}", response_model=PromptOut)
def get_prompt(key: str, _actor: CurrentActor, session: ReadSession) -> PromptOut:
    return PromptOut.model_validate(prompts.get_prompt(session, key=key))


@router.put("/prompts/{key}", response_model=PromptOut)
def put_prompt(key: str, body: PromptIn, actor: CurrentActor, session: DbSession, context: Ctx) -> PromptOut:
    view = prompts.edit_prompt(session, actor=actor, settings=context.settings, key=key, text=body.text)
    return PromptOut.model_validate(view)


@router.delete("/prompts/{key}", response_model=PromptOut)
def reset_prompt(key: str, actor: CurrentActor, session: DbSession) -> PromptOut:
    """Back to the default text."""
    return PromptOut.model_validate(prompts.restore_default(session, actor=actor, key=key))
