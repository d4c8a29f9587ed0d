"""督办中心: 异议审核 of returned cases (uphold → 改派, or reject), 延期 approval, 督办 of overdue and nearly
overdue cases, 再督办 of closed ones (reopen), and the repeat complaints report. Supervisors and admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent_console.forms import form_int, form_model, required_text, with_notice
from agent_console.session import CheckedActor, require
from agent_console.templating import templates
from hotline.context import AppContext
from ticketing import flows, reports
from ticketing.enums import Light, Role
from ticketing.flows import queries
from ticketing.org.auth import Actor
from ticketing.schemas import DecisionIn, ReopenIn, ReviewReturnIn
from ticketing.service import TicketFilter

router = APIRouter(prefix="/console/supervision", include_in_schema=False)
ROLES = (Role.SUPERVISOR, Role.ADMIN)
SupervisorActor = Annotated[Actor, Depends(require(*ROLES))]
Text = Annotated[str, Form(max_length=200_000)]
LIST_LIMIT = 30
REPEAT_DAYS = 30


def _checked(actor: Actor) -> Actor:
    actor.require(*ROLES)
    return actor


def _lights(ctx: AppContext, actor: Actor) -> dict[str, Any]:
    def cases(light: Light):
        return queries.list_tickets(ctx, flt=TicketFilter(light=light), actor=actor, order="due",
                                    limit=LIST_LIMIT, offset=0)

    return {"red": cases(Light.RED), "yellow": cases(Light.YELLOW)}


def _requests(ctx: AppContext, actor: Actor) -> dict[str, Any]:
    return {"returns": reports.pending_returns(ctx, actor=actor), "departments": reports.department_choices(ctx),
            "extensions": reports.pending_extensions(ctx, actor=actor)}


@router.get("", response_class=HTMLResponse)
def desk(request: Request, actor: SupervisorActor) -> Response:
    ctx = request.app.state.context
    data = _requests(ctx, actor) | _lights(ctx, actor) | {
        "repeats": queries.repeat_report(ctx, days=REPEAT_DAYS, limit=LIST_LIMIT), "repeat_days": REPEAT_DAYS,
        "names": dict(reports.department_choices(ctx))}
    return templates.TemplateResponse(request, "supervision.html", data)


def _fragment(request: Request, template: str, data: dict[str, Any], notice: str) -> Response:
    if not request.headers.get("HX-Request"):
        return RedirectResponse("/console/supervision", status_code=303)
    return with_notice(templates.TemplateResponse(request, template, data), notice)


@router.post("/returns/{number}")
def review_return(request: Request, number: str, actor: CheckedActor, decision: Text = "",
                  new_department_id: Text = "", co_department_ids: Annotated[list[str], Form()] = [],  # noqa: B006
                  note: Text = "") -> Response:
    ctx = request.app.state.context
    uphold = required_text(decision, field="decision") == "uphold"
    co = [i for i in (form_int(v, field="co_department_ids") for v in co_department_ids) if i is not None]
    data = form_model(ReviewReturnIn, uphold=uphold, note=note.strip() or None, co_department_ids=co,
                      new_department_id=form_int(new_department_id, field="new_department_id") if uphold else None)
    flows.review_return(ctx, number=number, data=data, actor=_checked(actor))
    if uphold:
        notice = f"已改派至{dict(reports.department_choices(ctx)).get(data.new_department_id, '')}"
    else:
        notice = "已驳回退单，工单退回原承办单位"
    return _fragment(request, "_supervision_requests.html", _requests(ctx, actor), notice)


@router.post("/extensions/{number}/{extension_id}")
def decide_extension(request: Request, number: str, extension_id: int, actor: CheckedActor, decision: Text = "",
                     note: Text = "") -> Response:
    ctx = request.app.state.context
    approve = required_text(decision, field="decision") == "approve"
    data = form_model(DecisionIn, approve=approve, note=note.strip() or None)
    flows.decide_extension(ctx, number=number, extension_id=extension_id, data=data, actor=_checked(actor))
    notice = "已批准延期，办理时限已更新" if data.approve else "已驳回延期申请"
    return _fragment(request, "_supervision_requests.html", _requests(ctx, actor), notice)


@router.post("/supervise/{number}")
def supervise_listed(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    ctx = request.app.state.context
    flows.supervise(ctx, number=number, note=required_text(note, field="note"), actor=_checked(actor))
    return _fragment(request, "_supervision_lights.html", _lights(ctx, actor), f"已督办工单 {number}")


# --- one case by number: 督办, or 重启 + 再督办 when it is closed --------------------------------------------


def _case(ctx: AppContext, number: str, actor: Actor) -> dict[str, Any]:
    return {"t": queries.ticket_view(ctx, number=number, actor=actor)}


@router.get("/case", response_class=HTMLResponse)
def find_case(request: Request, actor: SupervisorActor, number: str = "") -> Response:
    if not number.strip():
        return templates.TemplateResponse(request, "_supervision_case.html", {"t": None})
    data = _case(request.app.state.context, number.strip(), actor)
    return templates.TemplateResponse(request, "_supervision_case.html", data)


@router.post("/case/{number}/supervise")
def supervise_case(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    ctx = request.app.state.context
    flows.supervise(ctx, number=number, note=required_text(note, field="note"), actor=_checked(actor))
    data = _case(ctx, number, actor)
    return _fragment(request, "_supervision_case.html", data, "已再督办" if data["t"].reopen_count else "已督办")


@router.post("/case/{number}/reopen")
def reopen_case(request: Request, number: str, actor: CheckedActor, reason: Text = "",
                resupervise: Text = "") -> Response:
    ctx = request.app.state.context
    data = form_model(ReopenIn, reason=required_text(reason, field="reason"), resupervise=bool(resupervise))
    flows.reopen(ctx, number=number, data=data, actor=_checked(actor))
    notice = "已重启并再督办" if data.resupervise else "已重启工单"
    return _fragment(request, "_supervision_case.html", _case(ctx, number, actor), notice)
