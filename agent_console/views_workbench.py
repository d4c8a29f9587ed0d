"""承办工作台: a department's own cases by stage, and the case panel where its staff accept (签收), record first
contact and progress, reply (答复), ask for more time (延期) or return a mis-dispatched case (退单).

Every action calls one flow; the flows scope department staff to their unit's cases (others: not found)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent_console.forms import form_int, form_model, required_text, with_notice
from agent_console.live import newest_assignment_id, newest_event_id
from agent_console.session import CheckedActor, require
from agent_console.templating import templates
from hotline.context import AppContext
from ticketing import flows, reports
from ticketing.enums import Role
from ticketing.flows import find, queries
from ticketing.org.auth import Actor
from ticketing.schemas import ExtensionIn, ReturnIn, TicketOut
from ticketing.service import TicketFilter

router = APIRouter(prefix="/console/workbench", include_in_schema=False)
DepartmentActor = Annotated[Actor, Depends(require(Role.DEPARTMENT))]
Text = Annotated[str, Form(max_length=200_000)]
PAGE = 50
# tab -> (label, statuses, list order)
TABS: dict[str, tuple[str, list[str], str]] = {
    "dispatched": ("待签收", ["dispatched"], "due"),
    "accepted": ("办理中", ["accepted"], "due"),
    "returned": ("退单审核中", ["returned"], "due"),
    "replied": ("已答复", ["replied"], "newest"),
    "closed": ("已办结", ["closed"], "newest"),
}


# --- helpers shared with the supervision desk ------------------------------------------------------






# --- the department's actions on one case ----------------------------------------------------------


def department_actions(ticket: TicketOut, *, department_id: int | None, extension_pending: bool) -> list[str]:
    """What this department may do now: the state machine's allowed actions, narrowed to its part in the
    case (lead 主办 or co-handling 协办) and to the stage of that part."""
    mine = next((a for a in ticket.assignments if a.department_id == department_id and a.status != "withdrawn"),
                None)
    if mine is None:
        return []
    allowed, lead = set(ticket.allowed_actions), mine.role == "lead"
    acts = []
    if mine.status == "dispatched" and ("accept" if lead else "note") in allowed:
        acts.append("accept")
    if "contact" in allowed and ticket.first_contact_at is None and mine.status != "dispatched":  # after 签收
        acts.append("contact")
    if "note" in allowed:
        acts.append("note")
    if mine.status == "accepted" and ("reply" if lead else "note") in allowed:
        acts.append("reply")
    if lead and "request_extension" in allowed and not extension_pending:
        acts.append("request_extension")
    if lead and "return" in allowed:
        acts.append("return")
    return acts


def case_context(ctx: AppContext, *, number: str, actor: Actor) -> dict[str, Any]:
    ticket = queries.ticket_view(ctx, number=number, actor=actor)  # NotFound for other units' cases
    extensions = reports.extensions_of(ctx, number=number, actor=actor)
    pending = any(e["status"] == "pending" for e in extensions)
    departments = reports.department_choices(ctx)
    mine = next((a for a in ticket.assignments
                 if a.department_id == actor.department_id and a.status != "withdrawn"), None)
    return {
        "t": ticket, "events": queries.history(ctx, number=number, actor=actor), "extensions": extensions,
        "mine": mine, "names": dict(departments),
        "acts": department_actions(ticket, department_id=actor.department_id, extension_pending=pending),
        "other_departments": [(i, n) for i, n in departments if i != actor.department_id],
        "max_extension": ctx.settings.max_extension_working_days,
    }


@router.get("", response_class=HTMLResponse)
def workbench(request: Request, actor: DepartmentActor, tab: str = "dispatched",
              offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
              q: Annotated[str, Query(max_length=500)] = "") -> Response:
    """The unit's cases of one stage; a search (case number, caller name, words) looks across every stage."""
    if tab not in TABS:
        tab = "dispatched"
    _, statuses, order = TABS[tab]
    ctx = request.app.state.context
    search = find.interpret(ctx, q=q, actor=actor) if q.strip() else None
    flt = TicketFilter(statuses=statuses) if search is None else TicketFilter(**search.fields)
    page = queries.list_tickets(ctx, flt=flt, actor=actor, order=order if search is None else "newest",
                                limit=PAGE, offset=offset)
    with ctx.reader() as session:
        newest = newest_assignment_id(session, department_id=actor.department_id)
        newest_event = newest_event_id(session)
    return templates.TemplateResponse(request, "workbench.html", {
        "tabs": TABS, "tab": tab, "page": page, "offset": offset, "page_size": PAGE, "q": q.strip(),
        "search": search, "newest": newest, "newest_event": newest_event})


@router.get("/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str, actor: DepartmentActor) -> Response:
    ctx = request.app.state.context
    data = case_context(ctx, number=number, actor=actor)
    with ctx.reader() as session:
        data["newest_event"] = newest_event_id(session)
    return templates.TemplateResponse(request, "workbench_case.html", data)


def _done(request: Request, number: str, actor: Actor, notice: str) -> Response:
    """htmx: the re-rendered case panel and a toast; a plain form post: back to the case page."""
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/console/workbench/{number}", status_code=303)
    data = case_context(request.app.state.context, number=number, actor=actor)
    return with_notice(templates.TemplateResponse(request, "_workbench_panel.html", data), notice)


def _department(actor: Actor) -> Actor:
    actor.require(Role.DEPARTMENT)
    return actor


@router.post("/{number}/accept")
def accept(request: Request, number: str, actor: CheckedActor) -> Response:
    flows.accept(request.app.state.context, number=number, actor=_department(actor))
    return _done(request, number, actor, "已签收")


@router.post("/{number}/contact")
def contact(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.contact(request.app.state.context, number=number, actor=_department(actor), note=note.strip() or None)
    return _done(request, number, actor, "已记录首次联系")


@router.post("/{number}/note")
def note(request: Request, number: str, actor: CheckedActor, note: Text = "") -> Response:
    flows.add_note(request.app.state.context, number=number, actor=_department(actor),
                   note=required_text(note, field="note"))
    return _done(request, number, actor, "已记录办理进展")


@router.post("/{number}/reply")
def reply(request: Request, number: str, actor: CheckedActor, reply: Text = "") -> Response:
    flows.reply(request.app.state.context, number=number, actor=_department(actor),
                text=required_text(reply, field="reply"))
    return _done(request, number, actor, "已答复")


@router.post("/{number}/extension")
def extension(request: Request, number: str, actor: CheckedActor, working_days: Text = "",
              reason: Text = "") -> Response:
    data = form_model(ExtensionIn, working_days=form_int(working_days, field="working_days"),
                      reason=required_text(reason, field="reason"))
    flows.request_extension(request.app.state.context, number=number, data=data, actor=_department(actor))
    return _done(request, number, actor, "已提交延期申请，等待审批")


@router.post("/{number}/return")
def return_case(request: Request, number: str, actor: CheckedActor, reason: Text = "",
                suggested_department_id: Text = "") -> Response:
    data = form_model(ReturnIn, reason=required_text(reason, field="reason"),
                      suggested_department_id=form_int(suggested_department_id, field="suggested_department_id"))
    flows.request_return(request.app.state.context, number=number, data=data, actor=_department(actor))
    return _done(request, number, actor, "已退单，等待异议审核")
