"""骚扰来电管理: incidents, the blacklist with filters, supervisors' confirm / reject / lift / appeal decisions,
emergency calls of blocked callers awaiting review, and the caller's record on the ticket page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abuse import flows, service
from abuse.models import ENTRY_STATUSES, KIND_LABELS
from agent_console.forms import form_int, required_text
from agent_console.session import CheckedActor, ConsoleActor
from agent_console.templating import templates
from ticketing.access import flows as access
from ticketing.enums import Role

router = APIRouter(prefix="/console/abuse", include_in_schema=False)
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
Text = Annotated[str, Form(max_length=4000)]
LIMIT = 50
STATUS_ZH = {"proposed": "待确认", "active": "生效中", "expired": "已到期", "lifted": "已解除", "rejected": "已驳回"}
APPEAL_ZH = {"none": "—", "pending": "申诉中", "granted": "申诉成立", "denied": "申诉驳回"}
SOURCE_ZH = {"agent": "坐席标记", "lexicon": "词库识别", "pattern": "呼叫模式"}
ACTION_ZH = {"incident": "记录事件", "warned": "已播放警告", "proposed": "自动提议拉黑", "confirmed": "确认生效",
             "rejected": "驳回提议", "blacklisted": "手动拉黑", "lifted": "提前解除", "expired": "到期解除",
             "appealed": "登记申诉", "appeal_granted": "申诉成立", "appeal_denied": "申诉驳回",
             "emergency_reviewed": "紧急来电已复核"}
LABELS = {"kinds": KIND_LABELS, "statuses": STATUS_ZH, "appeals": APPEAL_ZH, "sources": SOURCE_ZH,
          "actions": ACTION_ZH}


@router.get("", response_class=HTMLResponse)
def abuse_page(request: Request, actor: ConsoleActor, status: str = "", caller: str = "", kind: str = "",
               appeal: str = "") -> Response:
    actor.require(*STAFF)
    number = flows.caller_number(caller) if caller.strip() else None
    status = status if status in ENTRY_STATUSES else ""
    with request.app.state.context.reader() as session:
        data = {
            "entries": service.list_entries(session, status=status or None, caller=number,
                                            appeal_status=appeal or None, limit=LIMIT),
            "incidents": service.list_incidents(session, caller=number, kind=kind or None, limit=LIMIT),
            "emergencies": service.list_attempts(session, emergency=True, unreviewed=True, limit=LIMIT),
            "audit": service.audit_for(session, caller=number, limit=4 * LIMIT) if number else [],
        }
    ctx, client = request.app.state.context, request.client.host if request.client else None
    access.seen(ctx, actor=actor, action="caller_lookup", caller=number, client=client,
                detail={"route": "/console/abuse"})
    access.seen_many(ctx, actor=actor, client=client, detail={"route": "/console/abuse"}, callers=[
        *(e.caller for e in data["entries"]), *(i.caller for i in data["incidents"]),
        *(a.caller for a in data["emergencies"])])
    done = request.query_params.get("done")
    data |= {"done": DONE_ZH.get(done) if done else None, "done_caller": request.query_params.get("done_caller", ""),
             "filters": {"status": status, "caller": caller, "kind": kind, "appeal": appeal},
             "decider": actor.role in (Role.SUPERVISOR, Role.ADMIN)} | LABELS
    return templates.TemplateResponse(request, "abuse.html", data)


@router.get("/tickets/{number}/caller", response_class=HTMLResponse)
def ticket_caller(request: Request, number: str, actor: ConsoleActor) -> Response:
    """The caller's abuse record, loaded into the ticket page (abuse_caller.html)."""
    actor.require(*STAFF)
    with request.app.state.context.reader() as session:
        caller = service.ticket_caller(session, number=number)
        history = flows.caller_history(session, caller=caller) if caller else None
    return templates.TemplateResponse(request, "abuse_history.html",
                                      {"number": number, "history": history} | LABELS)


DONE_ZH = {"confirm": "已确认生效", "reject": "已驳回拉黑提议", "lift": "已提前解除黑名单", "appeal": "已登记申诉",
           "grant": "申诉成立，黑名单已解除", "deny": "已驳回申诉"}


def _back(request: Request, fallback: str = "/console/abuse", done: dict[str, str] | None = None) -> RedirectResponse:
    """Back to the page the form was on; `done` (action, caller) becomes the confirmation shown there."""
    target = request.headers.get("referer") or fallback
    path = "/" + target.split("://", 1)[-1].split("/", 1)[-1] if "://" in target else target
    path = path if path.startswith("/console/") else fallback
    if done:
        base, _, query = path.partition("?")
        kept = [(k, v) for k, v in parse_qsl(query) if k not in ("done", "done_caller")]
        path = f"{base}?{urlencode(kept + [('done', done['action']), ('done_caller', done['caller'])])}"
    return RedirectResponse(path, status_code=303)


@router.post("/incidents")
def report_incident(request: Request, actor: CheckedActor, kind: Text = "", note: Text = "", caller: Text = "",
                    ticket_number: Text = "") -> Response:
    flows.report_incident(request.app.state.context, actor=actor, kind=required_text(kind, field="kind"),
                          note=note.strip() or None, caller=caller.strip() or None,
                          ticket_number=ticket_number.strip() or None)
    return _back(request)


@router.post("/blacklist")
def blacklist(request: Request, actor: CheckedActor, caller: Text = "", days: Text = "", reason: Text = "") -> Response:
    flows.blacklist(request.app.state.context, actor=actor, caller=required_text(caller, field="caller"),
                    days=form_int(required_text(days, field="days"), field="days"),
                    reason=required_text(reason, field="reason"))
    return RedirectResponse("/console/abuse?" + urlencode({"status": "active"}), status_code=303)


@router.post("/blacklist/{entry_id}/{action}")
def decide(request: Request, entry_id: int, action: str, actor: CheckedActor, reason: Text = "") -> Response:
    ctx = request.app.state.context
    if action == "confirm":
        entry = flows.confirm(ctx, actor=actor, entry_id=entry_id, reason=reason.strip() or None)
    elif action == "reject":
        entry = flows.reject(ctx, actor=actor, entry_id=entry_id, reason=reason)
    elif action == "lift":
        entry = flows.lift(ctx, actor=actor, entry_id=entry_id, reason=reason)
    elif action == "appeal":
        entry = flows.appeal(ctx, actor=actor, entry_id=entry_id, text=reason)
    elif action in ("grant", "deny"):
        entry = flows.decide_appeal(ctx, actor=actor, entry_id=entry_id, grant=action == "grant", reason=reason)
    else:
        return Response(status_code=404)
    return _back(request, done={"action": action, "caller": str(entry.get("caller", ""))})


@router.post("/attempts/{attempt_id}/review")
def review(request: Request, attempt_id: int, actor: CheckedActor, reason: Text = "") -> Response:
    flows.review_attempt(request.app.state.context, actor=actor, attempt_id=attempt_id, reason=reason.strip() or None)
    return _back(request)
