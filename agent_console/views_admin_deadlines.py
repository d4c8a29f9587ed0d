"""系统管理 → deadline rules (办理时限) with a due-time preview, and holiday overrides on a year calendar.

There are no deadline flows: like `ticketing.deadlines.views`, these routes check the admin role, call the
service, commit and invalidate the cached policy."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent_console.forms import choice, form_day, form_int
from agent_console.views_admin import AdminPage, AdminPost, Text, render, shown_in_words
from hotline.errors import ValidationFailed
from ticketing.deadlines import service
from ticketing.deadlines.sla import DeadlineKind, DeadlineUnit, default_rules
from ticketing.deadlines.workdays import MAX_YEAR, MIN_YEAR
from ticketing.enums import TicketType, Urgency

router = APIRouter(prefix="/console/admin", include_in_schema=False)
KIND_ZH = {"handle": "办理时限", "first_contact": "首次联系时限"}
UNIT_ZH = {"working_days": "个工作日", "hours": "小时"}
SOURCE_ZH = {"library": "法定日历", "override": "人工调整", "fallback": "按周末推算（日历库无该年数据）"}



# --- rules ---------------------------------------------------------------------------------------------


def _rules(request: Request, *, message: str | None = None, page: bool = False) -> Response:
    settings = request.app.state.context.settings
    with request.app.state.context.reader() as session:
        rules = service.list_rules(session, locality=settings.locality)
    custom = {(r.kind, r.ticket_type, r.urgency) for r in rules}
    defaults = [{"kind": kind, "urgency": urgency, "unit": spec.unit, "amount": spec.amount}
                for (kind, urgency), spec in default_rules(settings).items() if (kind, None, urgency) not in custom]
    context = {"current": "deadlines", "rules": rules, "defaults": defaults, "kind_zh": KIND_ZH,
               "unit_zh": UNIT_ZH, "types": list(TicketType), "urgencies": list(Urgency),
               "locality": settings.locality, "now": datetime.now(settings.tz).strftime("%Y-%m-%dT%H:%M")}
    return render(request, "admin_deadlines.html" if page else "admin_rules.html", context, message=message)


@router.get("/deadlines")
def deadlines_page(request: Request, actor: AdminPage) -> Response:
    return _rules(request, page=True)


def _key(kind: str, ticket_type: str, urgency: str) -> dict:
    return {"kind": choice(kind, DeadlineKind, field="kind", required=True),
            "urgency": choice(urgency, Urgency, field="urgency", required=True),
            "ticket_type": choice(ticket_type, TicketType, field="ticket_type")}


@router.post("/deadlines/rules")
@shown_in_words
def save_rule(request: Request, actor: AdminPost, kind: Text = "handle", ticket_type: Text = "",
              urgency: Text = "", unit: Text = "", amount: Text = "") -> Response:
    ctx = request.app.state.context
    key = _key(kind, ticket_type, urgency)
    number = form_int(amount, field="amount")
    if number is None:
        raise ValidationFailed("amount must not be empty", field="amount")
    with ctx.sessions() as session:
        unit_value = choice(unit, DeadlineUnit, field="unit", required=True)
        service.upsert_rule(session, locality=ctx.settings.locality, unit=unit_value, amount=number, **key)
        session.commit()
    service.invalidate_policy_cache()
    return _rules(request, message="时限规则已保存，新受理的工单按新规则计算")


@router.post("/deadlines/rules/delete")
@shown_in_words
def delete_rule(request: Request, actor: AdminPost, kind: Text = "handle", ticket_type: Text = "",
                urgency: Text = "") -> Response:
    ctx = request.app.state.context
    with ctx.sessions() as session:
        service.delete_rule(session, locality=ctx.settings.locality, **_key(kind, ticket_type, urgency))
        session.commit()
    service.invalidate_policy_cache()
    return _rules(request, message="时限规则已删除，恢复为默认时限")


@router.get("/deadlines/preview")
@shown_in_words
def preview(request: Request, actor: AdminPage, accepted_at: str = "", urgency: str = "normal",
            ticket_type: str = "") -> Response:
    ctx = request.app.state.context
    try:
        accepted = datetime.fromisoformat(accepted_at).replace(tzinfo=ctx.settings.tz)
    except ValueError:
        raise ValidationFailed("invalid accepted_at", field="accepted_at") from None
    key = _key("handle", ticket_type, urgency)
    with ctx.reader() as session:
        policy = service.load_policy(session, settings=ctx.settings)
    rule = policy.rule_for(kind="handle", urgency=key["urgency"], ticket_type=key["ticket_type"])
    due = policy.due(accepted, urgency=key["urgency"], ticket_type=key["ticket_type"])
    first = policy.due(accepted, urgency=key["urgency"], ticket_type=key["ticket_type"], kind="first_contact")
    days = policy.calendar.working_days_between(policy.calendar.local_day(accepted), policy.calendar.local_day(due))
    result = {"accepted": accepted, "due": due, "first": first, "days": days, "rule": rule}
    return render(request, "admin_preview.html", {"result": result, "unit_zh": UNIT_ZH})


# --- holiday overrides ----------------------------------------------------------------------------------


def _year(value: int | None, request: Request) -> int:
    year = value or datetime.now(request.app.state.context.settings.tz).year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    return year


def _holidays(request: Request, year: int, *, message: str | None = None, page: bool = False) -> Response:
    ctx = request.app.state.context
    with ctx.reader() as session:
        policy = service.load_policy(session, settings=ctx.settings)
        overrides = service.list_overrides(session, year=year)
    days = policy.calendar.year_days(year)
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        month_days = [d for d in days if d[0].month == month]
        cells = [None] * first.weekday() + month_days
        months.append({"month": month, "weeks": [cells[i:i + 7] for i in range(0, len(cells), 7)]})
    context = {"current": "holidays", "year": year, "months": months, "overrides": overrides,
               "working_days": sum(1 for d in days if d[1]), "source_zh": SOURCE_ZH,
               "fallback": any(d[2] == "fallback" for d in days), "weekdays": "一二三四五六日"}
    return render(request, "admin_holidays.html" if page else "admin_calendar.html", context, message=message)


@router.get("/holidays")
@shown_in_words
def holidays_page(request: Request, actor: AdminPage, year: int | None = None) -> Response:
    return _holidays(request, _year(year, request), page=True)



@router.post("/holidays")
@shown_in_words
def save_override(request: Request, actor: AdminPost, day: Text = "", is_workday: Text = "0",
                  note: Text = "") -> Response:
    the_day = form_day(day, field="day", required=True)
    _year(the_day.year, request)
    if len(note) > 200:
        raise ValidationFailed("note is longer than 200 characters", field="note")
    with request.app.state.context.sessions() as session:
        service.upsert_override(session, day=the_day, is_workday=is_workday == "1", note=note.strip())
        session.commit()
    service.invalidate_policy_cache()
    kind = "调休上班" if is_workday == "1" else "放假"
    return _holidays(request, the_day.year, message=f"{the_day.isoformat()} 已设为{kind}")


@router.post("/holidays/{day}/delete")
@shown_in_words
def delete_override(request: Request, day: str, actor: AdminPost) -> Response:
    the_day = form_day(day, field="day", required=True)
    with request.app.state.context.sessions() as session:
        service.delete_override(session, day=the_day)
        session.commit()
    service.invalidate_policy_cache()
    return _holidays(request, the_day.year, message=f"已撤销 {the_day.isoformat()} 的调整，恢复法定日历")

