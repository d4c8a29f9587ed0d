"""系统管理 → deadline rule sets (办理时限: first contact, reply, close per type × urgency × complexity ×
channel) with their audit trail and a due-time preview, and holiday overrides on a year calendar.

There are no deadline flows: like `ticketing.deadlines.views`, these routes check the admin role, call the
service, commit and invalidate the cached policy."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent_console.forms import choice, form_day, form_int
from agent_console.templating import templates
from agent_console.views_admin import AdminPage, AdminPost, Text, render, shown_in_words
from hotline.errors import ValidationFailed
from ticketing.deadlines import service
from ticketing.deadlines.rulesets import describe_zh, preset_info, preset_names
from ticketing.deadlines.sla import DeadlineKind, DeadlineUnit
from ticketing.deadlines.workdays import MAX_YEAR, MIN_YEAR
from ticketing.enums import Channel, Complexity, TicketType, Urgency

router = APIRouter(prefix="/console/admin", include_in_schema=False)
KIND_ZH = {"first_contact": "首次联系时限", "reply": "答复时限", "handle": "办结时限"}
UNIT_ZH = {"working_days": "个工作日", "natural_days": "个自然日", "hours": "小时"}
SOURCE_ZH = {"library": "法定日历", "override": "人工调整", "fallback": "按周末推算（日历库无该年数据）"}
KIND_ORDER = {"first_contact": 0, "reply": 1, "handle": 2}
MAX_REASON = 400


# --- rule sets -----------------------------------------------------------------------------------------


def locality_zh(name: str) -> str:
    """A rule set's name for people: the preset's title, 系统默认, or the name an admin gave it."""
    if name == "default":
        return "系统默认"
    return preset_info(name)["title"] if name in preset_names() else name


def _locality(request: Request, value: str | None) -> str:
    name = (value or "").strip() or request.app.state.context.settings.locality
    if len(name) > 64 or not name.replace("_", "").replace("-", "").isalnum():
        raise ValidationFailed("invalid locality", field="locality")
    return name


def _rules(request: Request, *, locality: str | None = None, message: str | None = None,
           page: bool = False) -> Response:
    settings = request.app.state.context.settings
    name = _locality(request, locality)
    with request.app.state.context.reader() as session:
        rows = service.list_rules(session, locality=name)
        effective = service.rule_set(session, locality=name, settings=settings).rules
        changes = service.rule_changes(session, locality=name, limit=20)
        stored = service.localities(session)
    edited = {(r.kind, r.ticket_type, r.urgency, r.complexity, r.channel) for r in rows}
    origin = "预设" if name in preset_names() else "系统默认"
    table = [{"kind": k[0], "ticket_type": k[1], "urgency": k[2], "complexity": k[3], "channel": k[4],
              "unit": spec.unit, "amount": spec.amount, "edited": k in edited,
              "origin": "已调整" if k in edited else origin}
             for k, spec in sorted(effective.items(), key=lambda item: (
                 KIND_ORDER.get(item[0][0], 9), item[0][2], *(v or "" for v in item[0][1:2] + item[0][3:])))]
    names = list(dict.fromkeys(["default", *preset_names(), *stored, settings.locality, name]))
    context = {"current": "deadlines", "rules": table, "kind_zh": KIND_ZH, "unit_zh": UNIT_ZH,
               "types": list(TicketType), "urgencies": list(Urgency), "complexities": list(Complexity),
               "channels": list(Channel), "locality": name, "locality_title": locality_zh(name),
               "localities": [(n, locality_zh(n)) for n in names], "active": settings.locality,
               "info": preset_info(name) if name in preset_names() else None,
               "changes": [{"at": c.at, "who": c.actor_name or "—", "rule": describe_zh(c.rule),
                            "before": _spec_zh(c.before), "after": _spec_zh(c.after), "reason": c.reason or "—"}
                           for c in changes],
               "now": datetime.now(settings.tz).strftime("%Y-%m-%dT%H:%M")}
    return render(request, "admin_deadlines.html" if page else "admin_rules.html", context, message=message)


def _spec_zh(spec: dict | None) -> str:
    return "（预设或默认）" if spec is None else f"{spec['amount']} {UNIT_ZH.get(spec['unit'], spec['unit'])}"


def _rejected(request: Request, exc: ValidationFailed) -> Response | None:
    """A rule set with a gap or an overlap, said in Chinese with the rules named (else None)."""
    problem = exc.details.get("problem")
    if problem == "overlap":
        text = (f"未保存：规则“{describe_zh(exc.details['rule'])}”与“{describe_zh(exc.details['other'])}”重叠"
                "（同一工单两条规则都适用，且没有更具体的一条）")
    elif problem == "gap":
        text = f"未保存：规则集出现空缺，没有规则适用于“{describe_zh(exc.details['rule'])}”"
    else:
        return None
    return templates.TemplateResponse(request, "_toast.html", {"message": text, "kind": "error"}, status_code=422)


@router.get("/deadlines")
@shown_in_words
def deadlines_page(request: Request, actor: AdminPage, locality: str | None = None) -> Response:
    return _rules(request, locality=locality, page=True)


@router.get("/deadlines/rules")
@shown_in_words
def rules_fragment(request: Request, actor: AdminPage, locality: str | None = None) -> Response:
    return _rules(request, locality=locality)


def _key(kind: str, ticket_type: str, urgency: str, complexity: str = "", channel: str = "") -> dict:
    return {"kind": choice(kind, DeadlineKind, field="kind", required=True),
            "urgency": choice(urgency, Urgency, field="urgency", required=True),
            "ticket_type": choice(ticket_type, TicketType, field="ticket_type"),
            "complexity": choice(complexity, Complexity, field="complexity"),
            "channel": choice(channel, Channel, field="channel")}


def _reason(reason: str) -> str:
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"reason is longer than {MAX_REASON} characters", field="reason")
    return reason.strip()


def _write(request: Request, write) -> Response | None:
    """Run one rule-set write and commit it; a gap or an overlap is answered in Chinese (nothing saved)."""
    ctx = request.app.state.context
    with ctx.sessions() as session:
        try:
            write(session)
        except ValidationFailed as exc:
            session.rollback()
            rejected = _rejected(request, exc)
            if rejected is None:
                raise
            return rejected
        session.commit()
    service.invalidate_policy_cache()
    return None


@router.post("/deadlines/rules")
@shown_in_words
def save_rule(request: Request, actor: AdminPost, kind: Text = "handle", ticket_type: Text = "",
              urgency: Text = "", complexity: Text = "", channel: Text = "", unit: Text = "", amount: Text = "",
              reason: Text = "", locality: Text = "") -> Response:
    ctx = request.app.state.context
    name = _locality(request, locality)
    key = _key(kind, ticket_type, urgency, complexity, channel)
    number = form_int(amount, field="amount")
    if number is None:
        raise ValidationFailed("amount must not be empty", field="amount")
    unit_value = choice(unit, DeadlineUnit, field="unit", required=True)
    rejected = _write(request, lambda session: service.upsert_rule(
        session, locality=name, unit=unit_value, amount=number, settings=ctx.settings, actor_id=actor.id,
        actor_name=actor.name, reason=_reason(reason), **key))
    if rejected is not None:
        return rejected
    return _rules(request, locality=name, message="时限规则已保存，新受理的工单按新规则计算")


@router.post("/deadlines/rules/delete")
@shown_in_words
def delete_rule(request: Request, actor: AdminPost, kind: Text = "handle", ticket_type: Text = "",
                urgency: Text = "", complexity: Text = "", channel: Text = "", reason: Text = "",
                locality: Text = "") -> Response:
    ctx = request.app.state.context
    name = _locality(request, locality)
    key = _key(kind, ticket_type, urgency, complexity, channel)
    rejected = _write(request, lambda session: service.delete_rule(
        session, locality=name, settings=ctx.settings, actor_id=actor.id, actor_name=actor.name,
        reason=_reason(reason), **key))
    if rejected is not None:
        return rejected
    return _rules(request, locality=name, message="时限规则已删除，恢复为预设或默认时限")


@router.get("/deadlines/preview")
@shown_in_words
def preview(request: Request, actor: AdminPage, accepted_at: str = "", urgency: str = "normal",
            ticket_type: str = "", complexity: str = "", channel: str = "", locality: str = "") -> Response:
    ctx = request.app.state.context
    try:
        accepted = datetime.fromisoformat(accepted_at).replace(tzinfo=ctx.settings.tz)
    except ValueError:
        raise ValidationFailed("invalid accepted_at", field="accepted_at") from None
    key = _key("handle", ticket_type, urgency, complexity, channel)
    with ctx.reader() as session:
        policy = service.load_policy(session, settings=ctx.settings, locality=_locality(request, locality))
    query = {"urgency": key["urgency"], "ticket_type": key["ticket_type"], "complexity": key["complexity"],
             "channel": key["channel"]}
    rule = policy.rule_for(kind="handle", **query)
    limits = policy.limits(accepted, **query)
    calendar = policy.calendar
    days = calendar.working_days_between(calendar.local_day(accepted), calendar.local_day(limits.handle))
    result = {"accepted": accepted, "due": limits.handle, "reply": limits.reply, "first": limits.first_contact,
              "days": days, "rule": rule, "specs": limits.specs,
              "fallback": calendar.fallback_years(calendar.local_day(accepted), calendar.local_day(limits.handle))}
    return render(request, "admin_preview.html", {"result": result, "unit_zh": UNIT_ZH, "kind_zh": KIND_ZH})


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

