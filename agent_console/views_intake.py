"""受理: the agents' case registration form at /console/tickets/new, its live hints (triage suggestions, repeat
candidates with one-click 并单, knowledge-base answers with 一次办结) and saving through the intake flows.

Saving checks everything it can before the case is registered; a later step that still fails (e.g. a
dispatch the catalogue cannot place) leaves the registered case and says so, with a link to continue."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent_console.forms import form_int, form_model
from agent_console.intake_hints import kb_answers
from agent_console.places import place_options
from agent_console.session import CheckedActor, require
from agent_console.suggest import suggest_for_form
from agent_console.templating import error_text, templates
from agent_console.views_ticket import _category_options
from hotline.errors import HotlineError, ValidationFailed
from ticketing import flows, phones
from ticketing.enums import Channel, Role, TicketType, Urgency
from ticketing.flows import queries
from ticketing.kb import service as kb
from ticketing.org import service as org
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, MergeIn, TicketCreate, TriageIn

router = APIRouter(prefix="/console/tickets/new", include_in_schema=False)
StaffActor = Annotated[Actor, Depends(require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))]
Text = Annotated[str, Form(max_length=200_000)]
# The channels an agent registers by hand, in the order they are offered; the others follow.
FORM_CHANNELS = [Channel.PHONE, Channel.WALK_IN, Channel.SMS, Channel.WEB, Channel.LETTER, Channel.REVIEW]
CHANNELS = [c.value for c in FORM_CHANNELS] + [c.value for c in Channel if c not in FORM_CHANNELS]
FIELDS = ("caller_phone", "caller_name", "channel", "district", "street", "address", "content", "ticket_type",
          "urgency", "category_id", "lead_department_id", "informed_once")
DONE_ZH = {"register": "已登记", "dispatch": "已登记并派单", "merge": "已登记并并单", "answer": "已登记并一次办结"}


def _sees_caller(request: Request, actor: Actor) -> bool:
    return actor.role.value in request.app.state.context.settings.roles_seeing_caller


def _form_page(request: Request, actor: Actor, values: dict[str, str], *, error: str | None = None,
               status_code: int = 200) -> Response:
    ctx = request.app.state.context
    with ctx.reader() as session:
        places = place_options(session)
        categories = _category_options(org.list_categories(session))
        departments = [(d.id, d.name) for d in org.list_departments(session)]
    saved = request.query_params.get("saved")
    return templates.TemplateResponse(request, "ticket_new.html", {
        "v": values, "error": error, "places": places, "categories": categories, "departments": departments,
        "channels": CHANNELS, "types": [t.value for t in TicketType], "sees_caller": _sees_caller(request, actor),
        "saved": saved, "done": DONE_ZH.get(request.query_params.get("done", ""), "已登记"),
        "failed": request.query_params.get("failed"),
        "limits": {"urgent_hours": ctx.settings.urgent_hours, "normal_working_days": ctx.settings.normal_working_days},
    }, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def new_ticket_page(request: Request, actor: StaffActor) -> Response:
    """The empty form; `content`, `caller` and `channel` in the query prefill it (e.g. from a screen pop)."""
    q = request.query_params
    values = {"channel": q.get("channel") if q.get("channel") in CHANNELS else Channel.PHONE.value,
              "content": q.get("content", ""), "caller_phone": q.get("caller", ""), "urgency": Urgency.NORMAL.value}
    return _form_page(request, actor, values)


def _phone_echo(raw: str, *, sees: bool) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        normal = phones.normalize(raw)
    except ValidationFailed:
        return {"error": "号码格式有误：只能包含数字、空格、-、括号和开头的 +"}
    return {"shown": normal if sees else phones.mask(normal)}


@router.post("/suggest", response_class=HTMLResponse)
def suggest(request: Request, actor: CheckedActor, content: Text = "", caller_phone: Text = "",
            address: Text = "", street: Text = "", district: Text = "", category_id: Text = "",
            ticket_type: Text = "") -> Response:
    """The hints panel for what is in the form now (the form posts here, debounced, as the agent types)."""
    actor.require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    ctx = request.app.state.context
    phone = _phone_echo(caller_phone, sees=_sees_caller(request, actor))
    with ctx.reader() as session:
        hints = suggest_for_form(ctx, session, content)
    chosen_category = _int_or_none(category_id)
    matter = chosen_category if chosen_category is not None else (hints["matter"] or {}).get("value")
    repeats = []
    if not (phone and phone.get("error")):
        repeats = queries.repeat_candidates(ctx, caller_phone=caller_phone, address=_address(street, address),
                                            category_id=matter, actor=actor)
    consult = (ticket_type or (hints["type"] or {}).get("value")) == TicketType.CONSULT.value
    answers = []
    if consult:
        with ctx.reader() as session:
            answers = kb_answers(session, content, settings=ctx.settings)
    return templates.TemplateResponse(request, "_ticket_new_hints.html", {
        "h": hints, "phone": phone, "repeats": repeats, "answers": answers, "consult": consult})


def _int_or_none(value: str) -> int | None:
    try:
        return form_int(value, field="category_id")
    except ValidationFailed:
        return None


def _address(street: str, address: str) -> str | None:
    """The street picked in the picker and the rest of the address, once (望京街道 + 望京西路1号)."""
    street, address = street.strip(), address.strip()
    if street and not address.startswith(street):
        address = street + address
    return address or None


@router.post("", response_class=HTMLResponse)
async def save(request: Request, actor: CheckedActor) -> Response:
    """Register the case, then do what the pressed button asks: action=register | dispatch |
    merge:<number> | answer:<article id>."""
    actor.require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in FIELDS}
    action = str(form.get("action", "register")) or "register"
    try:
        return _save(request, actor, values, action)
    except HotlineError as exc:  # nothing registered: the form comes back with everything typed
        return _form_page(request, actor, values, error=error_text(exc) + _detail(exc), status_code=exc.http_status)


def _detail(exc: HotlineError) -> str:
    hint = exc.details.get("hint_zh")
    return f"：{hint}" if hint else ""


def _save(request: Request, actor: Actor, v: dict[str, str], action: str) -> Response:
    ctx = request.app.state.context
    kind, _, arg = action.partition(":")
    if kind not in DONE_ZH:
        raise ValidationFailed(f"unknown action {action!r}", field="action")
    category_id = form_int(v["category_id"], field="category_id")
    lead = form_int(v["lead_department_id"], field="lead_department_id")
    ticket_type = v["ticket_type"] or (TicketType.CONSULT.value if kind == "answer" else "")
    data = form_model(
        TicketCreate, channel=v["channel"] or Channel.PHONE.value, ticket_type=ticket_type or None,
        content=v["content"].strip(), caller_phone=v["caller_phone"].strip() or None,
        caller_name=v["caller_name"].strip() or None, category_id=category_id,
        address=_address(v["street"], v["address"]), district=v["district"].strip() or None,
        urgency=v["urgency"] or Urgency.NORMAL.value)
    reply, article_id = None, None
    with ctx.reader() as session:
        if kind == "dispatch" and lead is None and (category_id is None or org.suggest_department(
                session, category_id=category_id, district=data.district) is None):
            raise ValidationFailed("no lead department", field="lead_department_id",
                                   hint_zh="请选择主办单位，或选择派单目录中有承办单位的分类")
        if kind == "answer":
            if data.ticket_type != TicketType.CONSULT:
                raise ValidationFailed("only a consultation is answered on first contact", field="ticket_type",
                                       hint_zh="只有咨询类可一次办结")
            article = kb.get_article(session, article_id=form_int(arg, field="article_id") or 0)
            reply, article_id = article.answer, article.id
    if kind == "merge":
        target = queries.ticket_view(ctx, number=arg, actor=actor)
        if target.status.value in ("closed", "merged"):
            raise ValidationFailed("target case is not open", field="into", hint_zh=f"工单 {arg} 已办结或已并单")
    number = flows.create_ticket(ctx, data=data, actor=actor, informed_once=v["informed_once"])
    failed = None
    try:
        if kind == "dispatch":
            flows.triage(ctx, number=number, data=TriageIn(), actor=actor)
            flows.dispatch(ctx, number=number, data=DispatchIn(lead_department_id=lead), actor=actor)
        elif kind == "merge":
            flows.merge(ctx, number=number, data=MergeIn(into=arg, note="受理时并单"), actor=actor)
        elif kind == "answer":
            flows.answer(ctx, number=number, reply=reply, actor=actor, article_id=article_id)
    except HotlineError as exc:  # the case is registered; say what is left to do
        failed = error_text(exc)
    query = {"saved": number, "done": kind} | ({"failed": failed} if failed else {})
    return RedirectResponse(f"/console/tickets/new?{urlencode(query)}", status_code=303)
