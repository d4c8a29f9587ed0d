"""数据看板: intake of the period by channel and type, open cases by light, and each department's 三率 plus
按时办结率 — as Chart.js charts (served locally) and an accessible table holding the same numbers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from agent_console.forms import form_day
from agent_console.session import require
from agent_console.templating import templates
from hotline.errors import ValidationFailed
from ticketing import reports
from ticketing.enums import LABELS_ZH
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console", include_in_schema=False)
ReportActor = Annotated[Actor, Depends(require(*reports.REPORT_ROLES))]
RATES = [("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
         ("on_time_rate", "按时办结率")]



def chart_data(overview: reports.Overview, report: reports.DepartmentReport) -> dict[str, Any]:
    """What console.js draws; labels already in Chinese."""
    return {
        "channels": {"labels": [LABELS_ZH.get(k, k) for k in overview.intake_by_channel],
                     "values": list(overview.intake_by_channel.values())},
        "types": {"labels": [LABELS_ZH.get(k, k) for k in overview.intake_by_type],
                  "values": list(overview.intake_by_type.values())},
        "lights": {"labels": ["绿灯", "黄灯", "红灯"],
                   "values": [overview.open_by_light[k] for k in ("green", "yellow", "red")]},
        "rates": {"labels": [d.department for d in report.departments],
                  "series": [{"label": label, "values": [getattr(d, key) for d in report.departments]}
                             for key, label in RATES]},
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, actor: ReportActor, period: str = "today", start: str | None = None,
              end: str | None = None) -> Response:
    ctx = request.app.state.context
    error = None
    try:
        custom = period == "custom"
        span = reports.period_for(ctx.settings, preset=period if not custom else None,
                                  first=form_day(start, field="from") if custom else None,
                                  last=form_day(end, field="to") if custom else None)
    except ValidationFailed:
        error = (f"统计期间有误（需填写开始和结束日期，结束不早于开始，最长 {ctx.settings.report_max_days} 天），"
                 "已显示今日数据")
        span = reports.period_for(ctx.settings, preset="today")
    overview = reports.overview(ctx, period=span, actor=actor)
    report = reports.department_report(ctx, period=span, actor=actor)
    return templates.TemplateResponse(request, "dashboard.html", {
        "span": span, "presets": reports.PRESET_ZH, "error": error, "overview": overview, "report": report,
        "rates": RATES, "chart": chart_data(overview, report), "limit_hours": ctx.settings.response_limit_hours,
        "tips": report.definitions,
        "satisfied": [LABELS_ZH.get(s, s) for s in ctx.settings.satisfied_levels]})
