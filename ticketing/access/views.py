"""REST route of the access audit: who saw a caller's data, a case's recording, or tripped a login lock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hotline.context import AppContext
from hotline.deps import get_context
from ticketing.access import flows
from ticketing.access.schemas import AccessRecordOut
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["supervision"])
Ctx = Annotated[AppContext, Depends(get_context)]


@router.get("/access-records", response_model=list[AccessRecordOut],
            responses={403: {"description": "Only supervisors and administrators."}})
def access_records(
    ctx: Ctx, actor: CurrentActor,
    caller: Annotated[str | None, Query(max_length=40, description="Caller number, any common form")] = None,
    ticket: Annotated[str | None, Query(max_length=32, description="Case number")] = None,
    action: Annotated[str | None, Query(pattern="^(" + "|".join(flows.ACTIONS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AccessRecordOut]:
    """Newest first. Who saw a caller's unmasked number, looked the caller up, or listened to (which byte
    ranges of) a recording; also login lock and unlock events."""
    rows = flows.who_saw(ctx, actor=actor, caller=caller, ticket_number=ticket, action=action,
                         limit=limit, offset=offset)
    return [AccessRecordOut.model_validate(r) for r in rows]
