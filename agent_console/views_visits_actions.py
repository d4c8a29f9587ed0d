"""回访管理 actions (supervisors and admins, CSRF-checked forms): record or remove a caller's opt-out with a
reason, attach an unmatched SMS reply to a case's visit, or dismiss it. Every one is audited by callbacks."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from agent_console.session import CheckedActor
from callbacks import manage

router = APIRouter(prefix="/console/visits", include_in_schema=False)
Text = Annotated[str, Form(max_length=4000)]
PAGE = "/console/visits"


def _page(anchor: str, **query: str) -> RedirectResponse:
    params = {k: v for k, v in query.items() if v}
    return RedirectResponse(PAGE + (f"?{urlencode(params)}" if params else "") + f"#{anchor}", status_code=303)


@router.post("/opt-outs")
def add_opt_out(request: Request, actor: CheckedActor, phone: Text = "", reason: Text = "") -> Response:
    result = manage.add_opt_out(request.app.state.context, actor=actor, phone=phone, reason=reason)
    return _page("vs-optout-h", phone=result["phone"])


@router.post("/opt-outs/remove")
def remove_opt_out(request: Request, actor: CheckedActor, phone: Text = "", reason: Text = "") -> Response:
    number = manage.remove_opt_out(request.app.state.context, actor=actor, phone=phone, reason=reason)
    return _page("vs-optout-h", phone=number)


@router.post("/replies/{reply_id}/attach")
def attach_reply(request: Request, reply_id: int, actor: CheckedActor, ticket_number: Text = "",
                 rating: Text = "", note: Text = "") -> Response:
    result = manage.attach_reply(request.app.state.context, actor=actor, reply_id=reply_id,
                                 ticket_number=ticket_number, rating=rating.strip() or None, note=note)
    return _page("vs-1-h", number=result["ticket_number"])


@router.post("/replies/{reply_id}/dismiss")
def dismiss_reply(request: Request, reply_id: int, actor: CheckedActor, note: Text = "") -> Response:
    manage.dismiss_reply(request.app.state.context, actor=actor, reply_id=reply_id, note=note)
    return _page("vs-replies-h")
