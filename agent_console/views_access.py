"""访问审计 page: who saw a caller's data (unmasked numbers, lookups, recordings) and login lock events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent_console.session import ConsoleActor
from agent_console.templating import templates
from ticketing.access import flows

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 100
ACTION_ZH = {"recording": "收听/下载录音", "caller_view": "查看完整号码", "caller_lookup": "按号码查询",
             "login_address_locked": "登录地址锁定", "login_account_locked": "账号锁定", "login_unlocked": "解除锁定"}


@router.get("/access", response_class=HTMLResponse)
def access_page(request: Request, actor: ConsoleActor, caller: str = "", ticket: str = "", action: str = "",
                page: int = 1) -> Response:
    page = max(1, min(page, 10_000))
    action = action if action in ACTION_ZH else ""
    rows = flows.who_saw(request.app.state.context, actor=actor, caller=caller.strip()[:40] or None,
                         ticket_number=ticket.strip()[:32] or None, action=action or None,
                         limit=PAGE + 1, offset=(page - 1) * PAGE)
    return templates.TemplateResponse(request, "access.html", {
        "rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page, "actions": ACTION_ZH,
        "filters": {"caller": caller, "ticket": ticket, "action": action}})
