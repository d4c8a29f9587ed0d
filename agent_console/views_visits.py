"""回访管理: the supervisor's page of visits in progress, failed (unreachable) and dissatisfied ones, each
with its calls, SMS and replies; SMS replies that matched no visit; per-caller opt-outs and the audit trail
of both (actions in agent_console.views_visits_actions). The visits of one case: /console/visits?number=…,
and the 回访记录 section loaded into the ticket page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent_console.session import ConsoleActor
from agent_console.templating import templates
from callbacks import manage, service
from ticketing.enums import Role
from ticketing.flows import queries
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console/visits", include_in_schema=False)
ROLES = (Role.SUPERVISOR, Role.ADMIN)
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
LIMIT = 50
STATUS_ZH = {"due": "待回访", "sms_sent": "短信待回复", "rated": "评价入库中", "done": "已回访",
             "unreachable": "无法联系", "opted_out": "拒绝回访", "no_phone": "无联系电话"}
OUTCOME_ZH = {"answered": "接通", "no_answer": "无人接听", "busy": "占线", "failed": "呼叫失败", "lost": "中断",
              "sent": "已发送", "rejected": "被拒发", "error": "发送出错", "reply": "短信回复", None: "进行中"}
CHANNEL_ZH = {"call": "电话", "sms": "短信", "reply": "回复"}
RATING_ZH = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REASON_ZH = {"no_visit": "无待回复的回访", "unreadable": "无法识别", "stop": "退订"}
SOURCE_ZH = {"sms": "短信退订", "staff": "人工登记"}
ACTION_ZH = {"opt_out_added": "登记拒绝回访", "opt_out_removed": "移除拒绝回访", "reply_attached": "关联回复到回访",
             "reply_dismissed": "忽略回复"}
LABELS = {"statuses": STATUS_ZH, "outcomes": OUTCOME_ZH, "channels": CHANNEL_ZH, "ratings": RATING_ZH,
          "reasons": REASON_ZH, "sources": SOURCE_ZH, "actions": ACTION_ZH,
          "scores": [(s.value, label) for s, label in manage.LABELS.items()]}


def _with_attempts(session, sections) -> dict[int, list]:
    ids = [v.id for _, visits in sections for v in visits]
    attempts: dict[int, list] = {}
    for a in service.attempts(session, visit_ids=ids):
        attempts.setdefault(a.visit_id, []).append(a)
    return attempts


def _phone_shower(request: Request, actor: Actor):
    settings = request.app.state.context.settings
    return lambda phone: manage.shown_phone(settings, actor, phone) or "—"


@router.get("", response_class=HTMLResponse)
def visits_page(request: Request, actor: ConsoleActor, number: str = "", phone: str = "") -> Response:
    actor.require(*ROLES)
    number = number.strip()[:32]
    phone_filter = manage.caller_number(phone) if phone.strip() else None
    with request.app.state.context.reader() as session:
        if number:
            sections = [("本工单回访", service.visits_of(session, number=number))]
            manage_data = {}
        else:
            sections = [("待回访", service.list_visits(session, statuses=["due", "sms_sent", "rated"], limit=LIMIT)),
                        ("回访失败", service.list_visits(session, statuses=["unreachable"], limit=LIMIT)),
                        ("不满意", service.dissatisfied(session, limit=LIMIT))]
            replies = service.list_replies(session, statuses=["open"], limit=LIMIT)
            manage_data = {
                "replies": replies,
                "suggested": service.unrated_visit_numbers(session, phones=sorted({r.phone for r in replies
                                                                                   if r.phone})),
                "opt_outs": service.list_opt_outs(session, phone=phone_filter, limit=LIMIT),
                "audit": service.audit_log(session, phone=phone_filter, limit=LIMIT),
            }
        attempts = _with_attempts(session, sections)
    return templates.TemplateResponse(request, "visits.html", {
        "sections": sections, "attempts": attempts, "number": number, "phone": phone.strip(),
        "shown": _phone_shower(request, actor), "manage": manage_data} | LABELS)


@router.get("/tickets/{number}", response_class=HTMLResponse)
def ticket_visits(request: Request, number: str, actor: ConsoleActor) -> Response:
    """The 回访记录 section of the ticket page: every visit of the case with its attempts."""
    actor.require(*STAFF)
    ctx = request.app.state.context
    queries.ticket_view(ctx, number=number, actor=actor, audit=False)  # NotFound for a case the actor may not see
    with ctx.reader() as session:
        visits = service.visits_of(session, number=number)
        attempts = _with_attempts(session, [("", visits)])
    return templates.TemplateResponse(request, "_ticket_visits_body.html", {
        "visits": visits, "attempts": attempts, "number": number, "shown": _phone_shower(request, actor),
        "manager": actor.role in ROLES} | LABELS)
