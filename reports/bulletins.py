"""日调度, 周汇总 and 月总结 as tables: built from ticketing.reports (the 三率 and intake figures, never
recomputed here) plus the lists a bulletin carries (ranking, repeats, overdue, satisfaction, ledger status)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from reports import service
from reports.models import KINDS
from ticketing import reports as tr
from ticketing.enums import LABELS_ZH, Role
from ticketing.org.auth import Actor

TITLES = {"daily": "日调度", "weekly": "周汇总", "monthly": "月总结"}
SCHEDULER = Actor(id=None, role=Role.SUPERVISOR, name="定时报表")
RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
RATE_ZH = {"response_rate": "响应率(%)", "resolution_rate": "解决率(%)", "satisfaction_rate": "满意率(%)",
           "on_time_rate": "按时办结率(%)"}
DEPT_COLUMNS = ["部门", "派单数", "按时签收数", "响应率(%)", "办结数", "未重办数", "解决率(%)", "评价数", "满意数",
                "满意率(%)", "按时办结数", "按时办结率(%)"]


@dataclass
class Table:
    key: str
    title: str  # sheet name and heading (Chinese, ≤ 31 characters for XLSX)
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str | None = None


@dataclass
class Report:
    kind: str
    title: str
    period: tr.Period
    generated_at: datetime
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def period_of(ctx: AppContext, kind: str, day: date) -> tr.Period:
    """The local days of the report of `kind` that contains `day` (weeks run Monday to Sunday)."""
    if kind not in KINDS:
        raise ValidationFailed(f"unknown report kind {kind!r} (daily, weekly, monthly)", field="kind")
    if kind == "daily":
        first = last = day
    elif kind == "weekly":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return tr.period_for(ctx.settings, first=first, last=last)


def last_complete_day(ctx: AppContext, kind: str, now: datetime | None = None) -> date:
    """A day inside the newest period of `kind` that has ended (yesterday, last week, last month)."""
    today = (now or utcnow()).astimezone(ctx.settings.tz).date()
    return {"daily": today - timedelta(days=1), "weekly": today - timedelta(days=7),
            "monthly": today.replace(day=1) - timedelta(days=1)}[kind]


def build(ctx: AppContext, *, kind: str, day: date, actor: Actor, now: datetime | None = None) -> Report:
    actor.require(*tr.REPORT_ROLES)
    now = now or utcnow()
    period = period_of(ctx, kind, day)
    overview = tr.overview(ctx, period=period, actor=actor, now=now)
    departments = tr.department_report(ctx, period=period, actor=actor)
    tables = [_counts("channel", "来源渠道", "渠道", overview.intake_by_channel),
              _counts("type", "诉求类型", "类型", overview.intake_by_type)]
    with ctx.reader() as session:
        all_departments = service.department_rows(session)
        if kind != "daily":
            names = service.category_names(session)
            matter = {names.get(c, f"#{c}") if c is not None else "未分类": n
                      for c, n in service.intake_by_matter(session, start=period.start, end=period.end)}
            areas = service.area_names(session)
            area = {areas.get(d, d) if d else "未填区域": n
                    for d, n in service.intake_by_area(session, start=period.start, end=period.end)}
            tables += [_counts("matter", "诉求事项", "事项", matter), _counts("area", "区域分布", "区域", area)]
        tables.append(_department_table(departments, all_departments))
        if kind == "daily":
            lights = overview.open_by_light
            tables.append(Table("lights", "在办灯态", ["灯态", "件数"],
                                [[LABELS_ZH[k], lights[k]] for k in ("green", "yellow", "red")]))
        else:
            tables.append(_ranking(ctx, departments, all_departments))
            tables.append(_repeats(ctx, session, period))
        tables.append(_overdue(ctx, session, period, now))
        if kind == "monthly":
            tables.append(_satisfaction(ctx, departments))
            tables.append(_ledger_status(session, period, now))
    title = f"{TITLES[kind]}（{period.first_day:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}）"
    return Report(kind, title, period, now, tables)


def _counts(key: str, title: str, label: str, counts: dict[str, int]) -> Table:
    rows = [[LABELS_ZH.get(k, k), n] for k, n in counts.items()]
    rows.append(["合计", sum(counts.values())])
    return Table(key, title, [label, "件数"], rows)


def _dept_row(f: tr.DepartmentFigures) -> list[Any]:
    return [f.department, f.dispatched, f.responded, f.response_rate, f.closed, f.resolved, f.resolution_rate,
            f.rated, f.satisfied, f.satisfaction_rate, f.on_time, f.on_time_rate]


def _department_table(report: tr.DepartmentReport, all_departments: list[tuple[int, str, bool]]) -> Table:
    seen = {d.department_id for d in report.departments}
    rows = [_dept_row(f) for f in report.departments]
    rows += [[name, 0, 0, None, 0, 0, None, 0, 0, None, 0, None] for i, name, active in all_departments
             if active and i not in seen]
    rows.append(_dept_row(report.total))
    return Table("departments", "部门三率", DEPT_COLUMNS, rows,
                 note=f"响应率按 {report.response_limit_hours:g} 小时内签收计；无数据的比率留空")


def score(figures: tr.DepartmentFigures, weights: dict[str, float]) -> float | None:
    """Weighted mean of the department's rates that exist (a rate with nothing to count is left out)."""
    parts = [(getattr(figures, k), w) for k, w in weights.items() if getattr(figures, k) is not None and w > 0]
    total = sum(w for _, w in parts)
    return round(sum(v * w for v, w in parts) / total, 1) if total else None


def _ranking(ctx: AppContext, report: tr.DepartmentReport, all_departments: list[tuple[int, str, bool]]) -> Table:
    weights = ctx.settings.report_rank_weights
    scored = [(score(f, weights), f) for f in report.departments]
    ranked = sorted([(s, f) for s, f in scored if s is not None], key=lambda p: (-p[0], p[1].department_id or 0))
    flag = ctx.settings.report_flag_bottom if len(ranked) > ctx.settings.report_flag_bottom else 0
    rows = []
    for position, (s, f) in enumerate(ranked, start=1):
        rows.append([position, f.department, s, f.response_rate, f.resolution_rate, f.satisfaction_rate,
                     f.on_time_rate, "约谈" if position > len(ranked) - flag else ""])
    seen = {f.department_id for _, f in ranked}
    rows += [[None, name, None, None, None, None, None, "无案件"] for i, name, active in all_departments
             if active and i not in seen]
    return Table("ranking", "部门排名", ["排名", "部门", "综合得分", *(RATE_ZH[k] for k in RATE_KEYS), "约谈"], rows,
                 note=f"综合得分为各比率的加权平均；末 {ctx.settings.report_flag_bottom} 名标记约谈")


def _repeats(ctx: AppContext, session, period: tr.Period) -> Table:
    s = ctx.settings
    departments = {i: n for i, n, _ in service.department_rows(session)}
    categories = service.category_names(session)
    rows = [[t.number, t.title, categories.get(t.category_id, "未分类"), t.district or "", departments.get(
        t.lead_department_id, ""), n] for t, n in service.repeat_targets(
        session, start=period.start, end=period.end, min_count=s.repeat_min_count, limit=s.report_list_limit)]
    return Table("repeats", "重复诉求", ["工单编号", "标题", "事项", "区域", "主办部门", "件数"], rows,
                 note=f"同一事项并单后 ≥ {s.repeat_min_count} 件")


def _overdue(ctx: AppContext, session, period: tr.Period, now: datetime) -> Table:
    limit = ctx.settings.report_list_limit
    tz = ctx.settings.tz
    departments = {i: n for i, n, _ in service.department_rows(session)}

    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    rows = [[t.number, t.title, departments.get(t.lead_department_id, ""), local(t.due_at), local(t.closed_at),
             "逾期办结"] for t in service.closed_late(session, start=period.start, end=period.end, limit=limit)]
    rows += [[t.number, t.title, departments.get(t.lead_department_id, "未派单"), local(t.due_at), "",
              "超期未办结"] for t in service.open_overdue(session, cutoff=min(period.end, now), limit=limit)]
    return Table("overdue", "超期工单", ["工单编号", "标题", "主办部门", "办理时限", "办结时间", "超期情况"], rows,
                 note=f"本期逾期办结的工单，及截至期末仍超期未办结的工单（各最多 {limit} 件）")


def _satisfaction(ctx: AppContext, report: tr.DepartmentReport) -> Table:
    floor = ctx.settings.report_satisfaction_floor
    average = report.total.satisfaction_rate
    rows = []
    for f in report.departments:
        rate = f.satisfaction_rate
        rows.append([f.department, f.rated, f.satisfied, rate, "是" if rate is not None and rate < floor else "",
                     "是" if rate is not None and average is not None and rate < average else ""])
    rows.append(["合计", report.total.rated, report.total.satisfied, average, "", ""])
    return Table("satisfaction", "满意度", ["部门", "评价数", "满意数", "满意率(%)", f"低于{floor:g}%",
                                           "低于平均"], rows,
                 note=f"满意率低于 {floor:g}% 由部门负责人约谈；低于全区平均（{average if average is not None else '—'}%）"
                      "由主要领导约谈")


def _ledger_status(session, period: tr.Period, now: datetime) -> Table:
    rows = [[LABELS_ZH.get(s, s), n, late] for s, n, late in
            service.intake_by_status(session, start=period.start, end=period.end, now=now)]
    rows.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Table("ledger", "抱怨清单台账", ["环节", "件数", "其中超期"], rows, note="本期受理的全部诉求按当前环节统计")
