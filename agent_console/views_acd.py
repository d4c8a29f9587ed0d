"""话务排队 (ACD) in the console: the agent's state switcher, the 漏接回拨 list, agent phones (admins) and
the supervisors' wallboard (figures refreshed by static/acd.js from wallboard.json, no inline script)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from acd import flows, phones, service, stats
from agent_console.forms import required_text
from agent_console.session import CheckedActor, ConsoleActor
from agent_console.templating import templates
from ticketing.enums import Role
from ticketing.phones import mask

router = APIRouter(prefix="/console/acd", include_in_schema=False)
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
BOSSES = (Role.SUPERVISOR, Role.ADMIN)
Text = Annotated[str, Form(max_length=2000)]
STATE_ZH = {"logged_out": "未签入", "available": "空闲", "ringing": "振铃中", "on_call": "通话中",
            "wrap_up": "话后整理", "on_break": "小休"}
OUTCOME_ZH = {"reached": "已回拨接通", "no_answer": "无人接听", "busy": "占线", "wrong_number": "号码有误",
              "resolved_elsewhere": "已另行解决"}
CALLBACK_ZH = {"pending": "待回拨", "done": "已完成"}
BREAKS = ("小休", "用餐", "培训", "会议")
LABELS = {"states": STATE_ZH, "outcomes": OUTCOME_ZH, "callback_statuses": CALLBACK_ZH, "breaks": BREAKS}


def _my_state(ctx, user_id: int) -> dict | None:
    with ctx.reader() as session:
        return flows.agent_state(ctx, user_id=user_id) if service.phone_of_user(session, user_id=user_id) else None


@router.get("", response_class=HTMLResponse)
def acd_page(request: Request, actor: ConsoleActor, status: str = "pending") -> Response:
    actor.require(*STAFF)
    ctx = request.app.state.context
    status = status if status in CALLBACK_ZH else ""
    with ctx.reader() as session:
        callbacks = service.callbacks(session, status=status or None, limit=100)
        agent_phones = phones.list_phones(session) if actor.role == Role.ADMIN else []
    if actor.role.value not in ctx.settings.roles_seeing_caller:
        for row in callbacks:  # detached rows: the change is never written
            row.caller = mask(row.caller)
    data = {"me": _my_state(ctx, actor.id), "callbacks": callbacks, "status": status, "phones": agent_phones,
            "admin": actor.role == Role.ADMIN} | LABELS
    return templates.TemplateResponse(request, "acd.html", data)


@router.post("/state")
def set_state(request: Request, actor: CheckedActor, state: Text = "", reason: Text = "") -> Response:
    actor.require(*STAFF)
    flows.set_state(request.app.state.context, user_id=actor.id, state=required_text(state, field="state"),
                    reason=reason)
    if request.headers.get("HX-Request"):  # the switcher in the header
        return my_state(request, actor)
    return RedirectResponse("/console/acd", status_code=303)


@router.get("/me", response_class=HTMLResponse)
def my_state(request: Request, actor: ConsoleActor) -> Response:
    """The header's state switcher (loaded and refreshed by htmx; empty without an agent phone)."""
    actor.require(*STAFF)
    return templates.TemplateResponse(request, "_acd_me.html",
                                      {"me": _my_state(request.app.state.context, actor.id)} | LABELS)


@router.post("/callbacks/{callback_id}")
def mark_callback(request: Request, callback_id: int, actor: CheckedActor, outcome: Text = "",
                  note: Text = "") -> Response:
    actor.require(*STAFF)
    flows.mark_callback(request.app.state.context, callback_id=callback_id, user_id=actor.id,
                        outcome=required_text(outcome, field="outcome"), note=note)
    return RedirectResponse("/console/acd", status_code=303)


@router.post("/phones", response_class=HTMLResponse)
def set_phone(request: Request, actor: CheckedActor, username: Text = "", extension: Text = "", password: Text = "",
              skills: Text = "") -> Response:
    actor.require(Role.ADMIN)
    row, generated = phones.set_phone(request.app.state.context, username=required_text(username, field="username"),
                                      extension=required_text(extension, field="extension"),
                                      password=password or None,
                                      skills=[s for s in skills.replace("，", ",").split(",")] if skills.strip() else None)
    ctx = request.app.state.context
    with ctx.reader() as session:
        listed = phones.list_phones(session)
    # The generated password is shown once, on this response only (never stored, never in a URL).
    data = {"me": _my_state(ctx, actor.id), "callbacks": [], "status": "pending", "phones": listed, "admin": True,
            "generated": generated, "saved": row} | LABELS
    return templates.TemplateResponse(request, "acd.html", data)


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard(request: Request, actor: ConsoleActor) -> Response:
    actor.require(*BOSSES)
    figures = stats.stats(request.app.state.context)
    return templates.TemplateResponse(request, "acd_wallboard.html",
                                      {"s": figures, "as_of": datetime.fromisoformat(figures["as_of"])} | LABELS)


@router.get("/wallboard.json")
def wallboard_json(request: Request, actor: ConsoleActor) -> Response:
    actor.require(*BOSSES)
    return JSONResponse(stats.stats(request.app.state.context), headers={"Cache-Control": "no-store"})
