"""职责边界清单: cases whose owner was disputed (退单 → 异议审核 in ticketing/flows/review.py), with who
returned them, why, who was suggested and how each was settled (改派 to whom, or sent back)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hotline.context import AppContext
from reports import service
from ticketing import reports as tr
from ticketing.org.auth import Actor

COLUMNS = ["工单编号", "标题", "事项", "区域", "退单部门", "退单理由", "建议部门", "退单时间", "审核结果",
           "审核时间", "审核意见", "改派部门"]
SETTLED_ZH = {"pending": "待审核", "approved": "同意退单，已改派", "rejected": "驳回，原部门继续办理"}
STATUSES = tuple(SETTLED_ZH)


def rows(ctx: AppContext, *, actor: Actor, first: date | None = None, last: date | None = None,
         status: str | None = None, limit: int | None = None) -> list[list[Any]]:
    actor.require(*tr.REPORT_ROLES)
    start = end = None
    if first or last:
        period = tr.period_for(ctx.settings, first=first or last, last=last or first)
        start, end = period.start, period.end
    tz = ctx.settings.tz

    def local(value) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    with ctx.reader() as session:
        departments = {i: n for i, n, _ in service.department_rows(session)}
        categories = service.category_names(session)
        found = service.boundary_rows(session, start=start, end=end, status=status if status in STATUSES else None,
                                      limit=limit)
        return [[t.number, t.title, categories.get(t.category_id, "未分类"), t.district or "",
                 departments.get(r.department_id, ""), r.reason, departments.get(r.suggested_department_id, ""),
                 local(r.requested_at), SETTLED_ZH.get(r.status, r.status), local(r.decided_at),
                 r.decision_note or "", departments.get(r.new_department_id, "")] for r, t in found]
