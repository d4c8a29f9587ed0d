"""Console pages of the reports domain (zh-CN, supervisors and admins): report runs to make and download,
the 诉求台账 ledger, early warnings with hand-off, the 职责边界清单 and the monthly disclosure review."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from agent_console.forms import form_day, form_int
from agent_console.session import CheckedActor, require
from agent_console.templating import templates
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from reports import boundary, bulletins, disclosure, exports, ledger, runs, warnings
from reports.views import stream_response
from ticketing import reports as tr
from ticketing.enums import LABELS_ZH, Channel, Status
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console", include_in_schema=False)
ReportActor = Annotated[Actor, Depends(require(*tr.REPORT_ROLES))]
Text = Annotated[str, Form(max_length=10_000)]
KIND_ZH = bulletins.TITLES
FORMAT_ZH = {"xlsx": "Excel", "pdf": "PDF", "csv": "CSV（压缩包）"}
STATUS_ZH = {"running": "生成中", "done": "已完成", "failed": "失败"}
TABLE_ZH = {"channel": "来源渠道", "type": "诉求类型", "matter": "诉求事项", "area": "区域分布", "departments": "部门三率",
            "lights": "在办灯态", "ranking": "部门排名", "repeats": "重复诉求", "overdue": "超期工单",
            "satisfaction": "满意度", "ledger": "抱怨清单台账"}
_WEEK = ["channel", "type", "matter", "area", "departments", "ranking", "repeats", "overdue"]
TABLES = {"daily": ["channel", "type", "departments", "lights", "overdue"], "weekly": _WEEK,
          "monthly": [*_WEEK, "satisfaction", "ledger"]}
TRIGGER_ZH = {"schedule": "定时", "console": "手动", "api": "接口", "cli": "命令行"}


@router.get("/reports", response_class=HTMLResponse)
def report_runs(request: Request, actor: ReportActor, page: int = 1) -> Response:
    ctx = request.app.state.context
    size = 50
    rows = runs.runs(ctx, actor=actor, limit=size + 1, offset=(max(page, 1) - 1) * size)
    return templates.TemplateResponse(request, "reports_runs.html", {
        "runs": rows[:size], "page": max(page, 1), "more": len(rows) > size, "kinds": KIND_ZH,
        "formats": FORMAT_ZH, "statuses": STATUS_ZH, "triggers": TRIGGER_ZH,
        "tables": TABLES, "table_zh": TABLE_ZH})


@router.post("/reports")
def make_report(request: Request, actor: CheckedActor, kind: Text = "", day: Text = "", fmt: Text = "") -> Response:
    ctx = request.app.state.context
    if kind not in KIND_ZH:
        raise ValidationFailed("unknown report kind", field="kind")
    when = form_day(day, field="date") or bulletins.last_complete_day(ctx, kind)
    runs.generate(ctx, kind=kind, day=when, fmt=runs.check_format(fmt), actor=actor, trigger="console")
    return RedirectResponse("/console/reports", status_code=303)


@router.get("/reports/runs/{run_id}/file")
def report_file(request: Request, run_id: int, actor: ReportActor) -> Response:
    _, path = runs.run_file(request.app.state.context, run_id=run_id, actor=actor)
    return FileResponse(path, media_type=exports.MEDIA.get(path.suffix.lstrip("."), "application/octet-stream"),
                        filename=path.name)


@router.get("/reports/table.csv")
def report_table(request: Request, actor: ReportActor, kind: str, table: str, day: str = "") -> Response:
    """One table of a bulletin as CSV."""
    ctx = request.app.state.context
    when = form_day(day, field="date") or bulletins.last_complete_day(ctx, kind)
    report = bulletins.build(ctx, kind=kind, day=when, actor=actor)
    chosen = next((t for t in report.tables if t.key == table), None)
    if chosen is None:
        raise ValidationFailed(f"unknown table {table!r}", field="table")
    name = f"{kind}_{report.period.first_day:%Y%m%d}_{table}.csv"
    return Response(exports.table_csv(chosen), media_type=exports.MEDIA["csv"],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _ledger_filter(request: Request) -> tuple[ledger.LedgerFilter, dict[str, str]]:
    q = request.query_params
    kept = {k: q.get(k, "") for k in ("from", "to", "channel", "department", "stage", "overdue")}
    overdue = {"yes": True, "no": False}.get(kept["overdue"])
    f = ledger.LedgerFilter(form_day(kept["from"], field="from"), form_day(kept["to"], field="to"),
                            kept["channel"] or None, form_int(kept["department"], field="department_id"),
                            kept["stage"] or None, overdue).checked()
    return f, kept


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, actor: ReportActor, cursor: str | None = None) -> Response:
    ctx = request.app.state.context
    f, kept = _ledger_filter(request)
    result = ledger.page(ctx, f=f, actor=actor, cursor=cursor)
    query = {k: v for k, v in kept.items() if v}
    return templates.TemplateResponse(request, "reports_ledger.html", {
        "columns": ledger.COLUMNS, "rows": result.rows, "kept": kept, "departments": tr.department_choices(ctx),
        "channels": [(c.value, LABELS_ZH.get(c.value, c.value)) for c in Channel],
        "stages": [(s.value, LABELS_ZH.get(s.value, s.value)) for s in Status],
        "next": "/console/ledger?" + urlencode(query | {"cursor": result.next_cursor}) if result.next_cursor else None,
        "export": urlencode(query)})


@router.get("/ledger/export")
def ledger_export(request: Request, actor: ReportActor, format: str = "csv") -> Response:
    f, _ = _ledger_filter(request)
    if format not in ("csv", "xlsx"):
        raise ValidationFailed("format must be csv or xlsx", field="format")
    rows = ledger.stream(request.app.state.context, f=f, actor=actor)
    return stream_response(format, ledger.COLUMNS, rows, name="ledger", title="诉求台账")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, actor: ReportActor, status: str = "open") -> Response:
    ctx = request.app.state.context
    chosen = status if status in ("open", "handed_off", "dismissed") else None
    return templates.TemplateResponse(request, "reports_alerts.html", {
        "alerts": warnings.alerts(ctx, actor=actor, status=chosen), "status": status or "all",
        "units": warnings.units(ctx), "hot": warnings.hot_topics(ctx, actor=actor, end=utcnow(), limit=10),
        "hours": ctx.settings.warning_window_hours, "weeks": ctx.settings.warning_baseline_weeks})


@router.get("/alerts/banner", response_class=HTMLResponse)
def alerts_banner(request: Request, actor: ReportActor) -> Response:
    count = warnings.open_count(request.app.state.context)
    return templates.TemplateResponse(request, "_reports_banner.html", {"count": count})


@router.post("/alerts/{alert_id}/handoff")
def alert_handoff(request: Request, alert_id: int, actor: CheckedActor, unit: Text = "", note: Text = "") -> Response:
    warnings.hand_off(request.app.state.context, alert_id=alert_id, unit=unit, note=note.strip() or None,
                      actor=actor)
    return RedirectResponse("/console/alerts", status_code=303)


@router.post("/alerts/{alert_id}/dismiss")
def alert_dismiss(request: Request, alert_id: int, actor: CheckedActor) -> Response:
    warnings.dismiss(request.app.state.context, alert_id=alert_id, actor=actor)
    return RedirectResponse("/console/alerts", status_code=303)


@router.get("/boundary", response_class=HTMLResponse)
def boundary_page(request: Request, actor: ReportActor, start: str = "", end: str = "", status: str = "",
                  format: str = "") -> Response:
    ctx = request.app.state.context
    first, last = form_day(start, field="from"), form_day(end, field="to")
    rows = boundary.rows(ctx, actor=actor, first=first, last=last, status=status or None)
    if format in ("csv", "xlsx"):
        return stream_response(format, boundary.COLUMNS, rows, name="boundary", title="职责边界清单")
    return templates.TemplateResponse(request, "reports_boundary.html", {
        "columns": boundary.COLUMNS, "rows": rows, "start": start, "end": end, "status": status,
        "statuses": boundary.SETTLED_ZH, "query": urlencode({"start": start, "end": end, "status": status})})


@router.get("/disclosure", response_class=HTMLResponse)
def disclosure_page(request: Request, actor: ReportActor) -> Response:
    ctx = request.app.state.context
    last_month = bulletins.last_complete_day(ctx, "monthly").strftime("%Y-%m")
    return templates.TemplateResponse(request, "reports_disclosure.html", {
        "months": disclosure.all_months(ctx, actor=actor), "suggested": last_month})


@router.post("/disclosure/draft")
def disclosure_draft(request: Request, actor: CheckedActor, month: Text = "") -> Response:
    disclosure.draft(request.app.state.context, month=month.strip(), actor=actor)
    return RedirectResponse("/console/disclosure", status_code=303)


@router.post("/disclosure/{month}/publish")
def disclosure_publish(request: Request, month: str, actor: CheckedActor) -> Response:
    disclosure.publish(request.app.state.context, month=month, actor=actor)
    return RedirectResponse("/console/disclosure", status_code=303)
