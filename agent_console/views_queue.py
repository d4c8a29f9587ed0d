"""坐席工作台: the agents' queue of cases — new ones first, urgent on top — with filters, full-text search,
pagination, keyboard selection and live notices of new cases (agent_console.live)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent_console.forms import choice, form_day, form_int
from agent_console.live import QUEUE_ROLES, newest_event_id, newest_id
from agent_console.session import ConsoleActor
from agent_console.templating import templates
from ticketing import claims, service
from ticketing.enums import Channel, Light, Role, Status, TicketType, Urgency
from ticketing.flows import find, queries
from ticketing.org import service as org

router = APIRouter(prefix="/console", include_in_schema=False)
NEW = "new"  # pseudo status: registered or triaged (cases waiting for the hotline)
FILTERS = ("status", "light", "type", "urgency", "channel", "department", "date_from", "date_to", "q")





def build_filter(params: dict[str, str], *, actor, ctx) -> tuple[service.TicketFilter, find.Search | None]:
    """Query parameters of the queue page → the ticket filter (dates are local days, inclusive). A search for a
    case number, caller number or caller name looks across every status unless one status is chosen."""
    tz = ctx.settings.tz
    q = (params.get("q") or "").strip()
    search = find.interpret(ctx, q=q, actor=actor) if q else None
    status = params.get("status", NEW if actor.role != Role.DEPARTMENT else "")
    if status == NEW and search is not None and search.identity:
        statuses = None
    elif status == NEW:
        statuses = [Status.REGISTERED.value, Status.TRIAGED.value]
    else:
        statuses = [choice(status, Status, field="status")] if status else None
    start, end = form_day(params.get("date_from"), field="date_from"), form_day(params.get("date_to"), field="date_to")
    flt = service.TicketFilter(
        statuses=statuses,
        light=Light(params["light"]) if choice(params.get("light"), Light, field="light") else None,
        ticket_type=choice(params.get("type"), TicketType, field="type"),
        urgency=choice(params.get("urgency"), Urgency, field="urgency"),
        channel=choice(params.get("channel"), Channel, field="channel"),
        department_id=form_int(params.get("department"), field="department"),
        created_from=datetime.combine(start, time.min, tz) if start else None,
        created_to=datetime.combine(end + timedelta(days=1), time.min, tz) if end else None,
        **(search.fields if search else {}),
    )
    return flt, search


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, actor: ConsoleActor) -> Response:
    """Full page, or only the rows (with pagination) for htmx requests from the filter form and live notices."""
    ctx = request.app.state.context
    params = {k: v for k, v in request.query_params.items() if k in FILTERS or k == "page"}
    flt, search = build_filter(params, actor=actor, ctx=ctx)
    page_no = max(1, form_int(params.get("page"), field="page") or 1)
    size = ctx.settings.console_queue_page_size
    result = queries.list_tickets(ctx, flt=flt, actor=actor, order="queue", limit=size, offset=(page_no - 1) * size)
    kept = {k: v for k, v in params.items() if k != "page" and (v or k == "status")}
    held = claims.holders(ctx, numbers=[t.number for t in result.items])
    data = {
        "page": result, "page_no": page_no, "params": params, "search": search, "claims": held,
        "status": params.get("status", NEW if actor.role != Role.DEPARTMENT else ""),
        "prev_url": f"/console/queue?{urlencode({**kept, 'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/console/queue?{urlencode({**kept, 'page': page_no + 1})}" if result.has_more else None,
    }
    if request.headers.get("HX-Request"):
        return templates.TemplateResponse(request, "_queue_rows.html", data)
    with ctx.reader() as session:
        departments = [(d.id, d.name) for d in org.list_departments(session)]
        newest = newest_id(session) if actor.role in QUEUE_ROLES else None
        newest_event = newest_event_id(session)
    data |= {
        "departments": departments, "newest": newest, "newest_event": newest_event, "sees_caller_roles": ctx.settings.roles_seeing_caller, "statuses": [NEW, ""] + [s.value for s in Status],
        "lights": [m.value for m in Light], "types": [m.value for m in TicketType],
        "urgencies": [m.value for m in Urgency], "channels": [m.value for m in Channel],
    }
    return templates.TemplateResponse(request, "queue.html", data)
