"""Report use cases: the periods people ask about, the departments' 三率 (plus 按时办结率), today's intake and
open cases by light, and the read models of the supervision desk (pending returns and extensions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from hotline.settings import Settings
from ticketing import reports_service as rs
from ticketing.deadlines.signals import Clock, case_light
from ticketing.enums import LABELS_ZH, Role
from ticketing.flows.common import load
from ticketing.org.auth import Actor
from ticketing.rates import rate, tooltips

PRESETS = {"today": 1, "7d": 7, "30d": 30}
PRESET_ZH = {"today": "今日", "7d": "近7天", "30d": "近30天", "custom": "自定义"}
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Period:
    """Whole local days first_day..last_day, as the UTC range [start, end)."""

    preset: str
    first_day: date
    last_day: date
    start: datetime
    end: datetime


def period_for(settings: Settings, *, preset: str | None = None, first: date | None = None,
               last: date | None = None, now: datetime | None = None) -> Period:
    """A preset (today, 7d, 30d: ending today) or a custom range of local days (both ends included)."""
    today = (now or utcnow()).astimezone(settings.tz).date()
    if first is not None or last is not None or preset == "custom":
        if first is None or last is None:
            raise ValidationFailed("a custom period needs both from and to", field="from")
        preset = "custom"
    else:
        preset = preset or "today"
        if preset not in PRESETS:
            raise ValidationFailed(f"unknown period {preset!r}", field="period")
        first, last = today - timedelta(days=PRESETS[preset] - 1), today
    if last < first:
        raise ValidationFailed("the period ends before it starts", field="to")
    if (last - first).days + 1 > settings.report_max_days:
        raise ValidationFailed(f"a period may span at most {settings.report_max_days} days", field="from")

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=settings.tz)

    return Period(preset, first, last, midnight(first), midnight(last + timedelta(days=1)))


class PeriodOut(BaseModel):
    preset: str
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    start: datetime
    end: datetime

    model_config = {"populate_by_name": True}

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(preset=period.preset, from_=period.first_day, to=period.last_day, start=period.start,
                   end=period.end)


class DepartmentFigures(BaseModel):
    """Counts and rates in percent (one decimal); a rate is null when nothing was there to count."""

    department_id: int | None
    department: str
    dispatched: int = Field(description="Cases dispatched to the department (主办) in the period, except dispatch "
                            "errors (退单 upheld by the review).")
    response_counted: int = Field(0, description="Of those, the ones counting toward 响应率 now: accepted, or past "
                                  "response_limit_hours.")
    responded: int = Field(description="Of those, accepted (签收) within response_limit_hours.")
    response_rate: float | None = Field(description="响应率 % (responded / response_counted)")
    closed: int = Field(description="The department's cases closed (办结) in the period.")
    resolved: int = Field(description="Of those, never reopened.")
    resolution_rate: float | None = Field(description="解决率 %")
    rated: int = Field(description="Closed cases with a return-visit rating.")
    satisfied: int = Field(description="Of those, rated as one of satisfied_levels.")
    satisfaction_rate: float | None = Field(description="满意率 %; null until some case is rated")
    on_time: int = Field(description="Closed cases closed by their deadline.")
    on_time_rate: float | None = Field(description="按时办结率 %")


class DepartmentReport(BaseModel):
    period: PeriodOut
    response_limit_hours: float
    satisfied_levels: list[str]
    departments: list[DepartmentFigures]
    total: DepartmentFigures
    dispatches: int = Field(0, description="Lead dispatches the hotline made in the period.")
    dispatch_errors: int = Field(0, description="Of those, withdrawn because the review upheld the 退单.")
    dispatch_accuracy: float | None = Field(None, description="派单准确率 %: the hotline's, nobody else's.")
    definitions: dict[str, str] = Field(default_factory=dict, description="What each rate counts (zh-CN).")


class Overview(BaseModel):
    period: PeriodOut
    intake_total: int
    intake_by_channel: dict[str, int]
    intake_by_type: dict[str, int]
    open_by_light: dict[str, int]


def _figures(department_id: int | None, name: str, c: dict[str, int]) -> DepartmentFigures:
    return DepartmentFigures(
        department_id=department_id, department=name, **c,
        response_rate=rate(c["responded"], c["response_counted"]),
        resolution_rate=rate(c["resolved"], c["closed"]),
        satisfaction_rate=rate(c["satisfied"], c["rated"]), on_time_rate=rate(c["on_time"], c["closed"]),
    )


COUNTS = ("dispatched", "response_counted", "responded", "closed", "resolved", "on_time", "rated", "satisfied")


def department_report(ctx: AppContext, *, period: Period, actor: Actor, now: datetime | None = None) -> DepartmentReport:
    """Per-department 响应率, 解决率, 满意率 and 按时办结率 for the period (departments with any case in it),
    and the hotline's 派单准确率 — as defined in ticketing.rates."""
    actor.require(*REPORT_ROLES)
    settings = ctx.settings
    with ctx.reader() as session:
        response = rs.department_response_counts(session, start=period.start, end=period.end,
                                                 limit_hours=settings.response_limit_hours, now=now or utcnow())
        closed = rs.department_closed(session, start=period.start, end=period.end,
                                      satisfied=list(settings.satisfied_levels))
        names = dict(rs.department_names(session))
    counts: dict[int, dict[str, int]] = {}
    errors = 0
    for dept, dispatched, counted, responded, wrong in response:
        errors += wrong
        if dispatched:
            counts.setdefault(dept, dict.fromkeys(COUNTS, 0)).update(
                dispatched=dispatched, response_counted=counted, responded=responded)
    for dept, n, resolved, on_time, rated, satisfied in closed:
        counts.setdefault(dept, dict.fromkeys(COUNTS, 0)).update(
            closed=n, resolved=resolved, on_time=on_time, rated=rated, satisfied=satisfied)
    departments = [_figures(d, names.get(d, f"#{d}"), c) for d, c in sorted(counts.items())]
    total = {key: sum(c[key] for c in counts.values()) for key in COUNTS}
    dispatches = total["dispatched"] + errors
    labels = [LABELS_ZH.get(s, s) for s in settings.satisfied_levels]
    return DepartmentReport(period=PeriodOut.of(period), response_limit_hours=settings.response_limit_hours,
                            satisfied_levels=list(settings.satisfied_levels), departments=departments,
                            total=_figures(None, "合计", total), dispatches=dispatches, dispatch_errors=errors,
                            dispatch_accuracy=rate(dispatches - errors, dispatches),
                            definitions=tooltips(limit_hours=settings.response_limit_hours, satisfied_labels=labels))


def overview(ctx: AppContext, *, period: Period, actor: Actor, now: datetime | None = None) -> Overview:
    """Intake of the period by channel and by type, and the open cases by light right now."""
    actor.require(*REPORT_ROLES)
    with ctx.reader() as session:
        by_channel = rs.intake_by(session, column="channel", start=period.start, end=period.end)
        by_type = rs.intake_by(session, column="ticket_type", start=period.start, end=period.end)
        lights = rs.open_by_light(session, now=now or utcnow(), yellow=timedelta(hours=ctx.settings.yellow_hours),
                                  yellow_share=ctx.settings.yellow_share)
    return Overview(period=PeriodOut.of(period), intake_total=sum(by_channel.values()),
                    intake_by_channel=by_channel, intake_by_type=by_type, open_by_light=lights)


# --- read models of the supervision desk -----------------------------------------------------------


def department_choices(ctx: AppContext) -> list[tuple[int, str]]:
    """Active departments as (id, name), for 改派 and 退单 suggestions."""
    with ctx.reader() as session:
        return rs.department_names(session, active_only=True)


def pending_returns(ctx: AppContext, *, actor: Actor, limit: int = 100) -> list[dict]:
    """退单 awaiting 异议审核 with the case, the returning and the suggested department."""
    actor.require(*REPORT_ROLES)
    now = utcnow()
    with ctx.reader() as session:
        names = dict(rs.department_names(session))
        return [
            {"id": r.id, "number": t.number, "title": t.title, "department": names.get(r.department_id),
             "department_id": r.department_id, "suggested": names.get(r.suggested_department_id),
             "suggested_department_id": r.suggested_department_id, "reason": r.reason,
             "requested_at": r.requested_at, "due_at": t.due_at,
             "light": case_light(t, Clock.of(ctx.settings, now)).value}
            for r, t in rs.pending_returns(session, limit=limit)
        ]


def pending_extensions(ctx: AppContext, *, actor: Actor, limit: int = 100) -> list[dict]:
    actor.require(*REPORT_ROLES)
    with ctx.reader() as session:
        names = dict(rs.department_names(session))
        return [
            {"id": r.id, "number": t.number, "title": t.title, "department": names.get(r.department_id),
             "working_days": r.working_days, "reason": r.reason, "requested_at": r.requested_at,
             "due_at": t.due_at}
            for r, t in rs.pending_extensions(session, limit=limit)
        ]


def extensions_of(ctx: AppContext, *, number: str, actor: Actor) -> list[dict]:
    """The extension requests of one case the actor may see (department staff: their unit's cases only)."""
    with ctx.reader() as session:
        ticket = load(session, number, actor, for_update=False)
        return [
            {"id": r.id, "working_days": r.working_days, "reason": r.reason, "status": r.status,
             "requested_at": r.requested_at, "decided_at": r.decided_at, "decision_note": r.decision_note,
             "new_due_at": r.new_due_at}
            for r in rs.extension_requests(session, ticket_id=ticket.id)
        ]
