"""Report routes under /api/v1/reports (supervisors and administrators)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hotline.deps import Ctx
from ticketing import reports
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
PeriodName = Annotated[str | None, Query(pattern="^(today|7d|30d|custom)$",
                                         description="today, 7d, 30d (ending today) or custom (from/to)")]
From = Annotated[date | None, Query(alias="from", description="First local day (included)")]
To = Annotated[date | None, Query(description="Last local day (included)")]


@router.get("/departments", response_model=reports.DepartmentReport, response_model_by_alias=True)
def departments(ctx: Ctx, actor: CurrentActor, period: PeriodName = None, from_: From = None,
                to: To = None) -> reports.DepartmentReport:
    """Per-department 响应率, 解决率, 满意率 and 按时办结率 (percent; null when there was nothing to count)."""
    return reports.department_report(ctx, period=_period(ctx, actor, period, from_, to), actor=actor)


@router.get("/overview", response_model=reports.Overview, response_model_by_alias=True)
def overview(ctx: Ctx, actor: CurrentActor, period: PeriodName = None, from_: From = None,
             to: To = None) -> reports.Overview:
    """Cases registered in the period by channel and type; open cases by deadline light now."""
    return reports.overview(ctx, period=_period(ctx, actor, period, from_, to), actor=actor)


def _period(ctx: Ctx, actor, preset: str | None, first: date | None, last: date | None) -> reports.Period:
    """The report period asked for, once the actor is known to be allowed reports."""
    actor.require(*reports.REPORT_ROLES)
    return reports.period_for(ctx.settings, preset=preset, first=first, last=last)
