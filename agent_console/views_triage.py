"""Triage actions on the ticket page (htmx, CSRF-checked): the one-step 转警/转急救 hand-off record and the
undo of an automatic dispatch. Each calls one flow and answers like the other ticket actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from agent_console.session import CheckedActor
from agent_console.views_ticket_actions import _done
from ticketing.triage import flows

router = APIRouter(prefix="/console/tickets/{number}", include_in_schema=False)
Text = Annotated[str, Form(max_length=4000)]


@router.post("/handoff")
def handoff(request: Request, number: str, actor: CheckedActor, service: Text = "", outcome: Text = "transferred",
            note: Text = "") -> Response:
    flows.record_handoff(request.app.state.context, number=number, service=service.strip(),
                         outcome=outcome.strip(), actor=actor, note=note.strip() or None)
    return _done(request, number, actor, f"已记录转 {service.strip()}")


@router.post("/undo-auto-dispatch")
def undo(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.undo_auto_dispatch(request.app.state.context, number=number, actor=actor, note=note.strip() or None)
    return _done(request, number, actor, "已撤回自动派单")
