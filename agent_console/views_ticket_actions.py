"""Actions on the ticket page (htmx forms, CSRF-checked): triage, dispatch, merge, direct answer, close,
send back, note, supervise, reopen. Each calls one flow and answers with the re-rendered ticket body and a
toast; domain errors propagate and are shown by the console's error handler."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from agent_console.forms import form_int, form_model, required_text
from agent_console.session import CheckedActor
from agent_console.templating import local_time, templates
from agent_console.views_ticket import ticket_context
from ticketing import claims, flows
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, MergeIn, ReopenIn, TriageIn

router = APIRouter(prefix="/console/tickets/{number}", include_in_schema=False)
Text = Annotated[str, Form(max_length=200_000)]





def _done(request: Request, number: str, actor: Actor, notice: str) -> Response:
    """htmx: the fresh ticket body plus a toast; a plain form post: back to the ticket page."""
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/console/tickets/{number}", status_code=303)
    data = ticket_context(request.app.state.context, number=number, actor=actor)
    response = templates.TemplateResponse(request, "_ticket_body.html", data)
    response.headers["HX-Trigger"] = json.dumps({"hotline-notice": notice})
    return response


@router.post("/claim")
def claim(request: Request, number: str, actor: CheckedActor) -> Response:
    expires = claims.claim(request.app.state.context, number=number, actor=actor)
    return _done(request, number, actor, f"已认领，至 {local_time(expires, '%H:%M')}")


@router.post("/release")
def release(request: Request, number: str, actor: CheckedActor) -> Response:
    claims.release(request.app.state.context, number=number, actor=actor)
    return _done(request, number, actor, "已释放认领")


@router.post("/triage")
def triage(request: Request, number: str, actor: CheckedActor, ticket_type: Text = "", category_id: Text = "",
           urgency: Text = "", title: Text = "", address: Text = "", district: Text = "",
           note: Text = "", complexity: Text = "") -> Response:
    given = {"ticket_type": ticket_type, "category_id": form_int(category_id, field="category_id"), "urgency": urgency,
             "title": title, "address": address, "district": district, "note": note, "complexity": complexity}
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in given.items()}
    data = form_model(TriageIn, **{k: v for k, v in fields.items() if v not in (None, "")})
    flows.triage(request.app.state.context, number=number, data=data, actor=actor)
    return _done(request, number, actor, "已保存分类")


@router.post("/dispatch")
def dispatch(request: Request, number: str, actor: CheckedActor, lead_department_id: Text = "",
             co_department_ids: Annotated[list[str], Form()] = [], note: Text = "") -> Response:  # noqa: B006
    co = [i for i in (form_int(v, field="co_department_ids") for v in co_department_ids) if i is not None]
    lead = form_int(lead_department_id, field="lead_department_id")
    data = form_model(DispatchIn, lead_department_id=lead, co_department_ids=co, note=note.strip() or None)
    flows.dispatch(request.app.state.context, number=number, data=data, actor=actor)
    return _done(request, number, actor, "已派单")


@router.post("/merge")
def merge(request: Request, number: str, actor: CheckedActor, into: Text = "", note: Text = "") -> Response:
    data = form_model(MergeIn, into=required_text(into, field="into"), note=note.strip() or None)
    flows.merge(request.app.state.context, number=number, data=data, actor=actor)
    return _done(request, number, actor, f"已并单至 {data.into}")


@router.post("/answer")
def answer(request: Request, number: str, actor: CheckedActor, reply: Text = "",
           article_id: Text = "") -> Response:
    flows.answer(request.app.state.context, number=number, reply=required_text(reply, field="reply"), actor=actor,
                 article_id=form_int(article_id, field="article_id"))
    return _done(request, number, actor, "已答复并办结")


@router.post("/close")
def close(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.close(request.app.state.context, number=number, actor=actor, note=note.strip() or None)
    return _done(request, number, actor, "已办结")


@router.post("/send_back")
def send_back(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.send_back(request.app.state.context, number=number, actor=actor, note=required_text(note, field="note"))
    return _done(request, number, actor, "已退回重办")


@router.post("/note")
def note(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.add_note(request.app.state.context, number=number, actor=actor, note=required_text(note, field="note"))
    return _done(request, number, actor, "已添加办理进展")


@router.post("/supervise")
def supervise(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.supervise(request.app.state.context, number=number, note=required_text(note, field="note"), actor=actor)
    return _done(request, number, actor, "已督办")


@router.post("/reopen")
def reopen(request: Request, number: str, actor: CheckedActor, reason: Text = "") -> Response:
    data = form_model(ReopenIn, reason=required_text(reason, field="reason"))
    flows.reopen(request.app.state.context, number=number, data=data, actor=actor)
    return _done(request, number, actor, "已重启")
