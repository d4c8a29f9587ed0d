"""Triage use cases on cases: the suggestion with database ids, applying it at registration (urgent cases
get the urgent time limit; a single-unit matter above the threshold is dispatched automatically), the
emergency hand-off record (转警/转急救), and the rules an agent's downgrade must follow."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from ticketing import service as tickets
from ticketing.enums import Status, Urgency
from ticketing.flows.common import assign, load_record, run, transition
from ticketing.org.auth import Actor
from ticketing.org.models import Department
from ticketing.triage import service
from ticketing.triage.models import Handoff
from ticketing.triage.suggest import Engine, engine_for

log = logging.getLogger(__name__)
OUTCOMES = ("transferred", "three_way", "not_reached", "not_needed")  # 已转接 / 三方通话 / 未接通 / 无需转
OUTCOMES_ZH = {"transferred": "已转接", "three_way": "三方通话", "not_reached": "未接通", "not_needed": "无需转接"}
SERVICES_ZH = {"110": "110 报警", "119": "119 消防救援", "120": "120 急救", "122": "122 交通事故"}
_engines: dict[int, Engine] = {}


def engine(ctx: AppContext) -> Engine:
    found = _engines.get(id(ctx.settings))
    if found is None:
        found = _engines[id(ctx.settings)] = engine_for(ctx.settings)
    return found


def suggest(ctx: AppContext, text: str | None, *, menu_type: str | None = None,
            session: Session | None = None) -> dict[str, Any]:
    """The suggestion for a text; with a session, matter and departments carry their database ids and a
    dispatch rule of the database's catalogue (ticketing.org.catalogue) overrides the packaged one."""
    try:
        hint = engine(ctx).suggest(text, menu_type=menu_type)
    except Exception:
        log.exception("triage failed; falling back to the rule layer alone")
        from ticketing.triage import emergency
        verdict = emergency.judge(text, emergency.load_rules(None))
        hint = {"type": "help", "type_zh": "求助", "urgency": "urgent" if verdict.urgent else "normal",
                "handoff": (verdict.service or emergency.FALLBACK_SERVICE) if verdict.urgent else None,
                "matter": None, "department": None, "confidence": 0.0, "alternatives": [], "district": None,
                "title": (text or "来电").strip()[:20] or "来电", "reasons": verdict.reasons, "auto_dispatch": False}
    if session is not None:
        try:
            _with_ids(session, ctx, hint)
        except Exception:
            log.exception("triage could not look the suggestion up in the database")
            session.rollback()
    return hint


def _with_ids(session: Session, ctx: AppContext, hint: dict) -> None:
    from ticketing.org.catalogue import suggest as walk

    codes = {d["code"] for d in [hint.get("department") or {}, *hint.get("alternatives", [])] if d.get("code")}
    ids = service.department_ids(session, codes=codes)
    for d in [hint.get("department"), *hint.get("alternatives", [])]:
        if d:
            d["id"] = ids.get(d["code"])
    matter = hint.get("matter")
    if not matter:
        return
    category_id = service.category_id(session, code=matter["code"])
    matter["id"] = category_id
    if category_id is None:
        return
    found = walk(session, category_id=category_id, district=hint.get("district"),
                 max_age=ctx.settings.catalogue_cache_seconds)
    if found is not None and (hint.get("department") or {}).get("id") != found[0]:
        dept = session.get(Department, found[0])
        hint["department"] = {"code": dept.code, "name": dept.name, "id": dept.id}
        hint["why"] = f"派单目录（本系统）：{matter['name']} → {dept.name}；{found[1]}"


def registration_values(hint: dict) -> dict[str, Any]:
    """What registration takes from the suggestion: urgency (an urgent suggestion always wins) and the matter."""
    out: dict[str, Any] = {}
    if hint.get("urgency") == Urgency.URGENT.value:
        out["urgency"] = Urgency.URGENT
    return out


def auto_dispatch(ctx: AppContext, *, number: str, hint: dict) -> bool:
    """Dispatch a just-registered case to the suggested unit when the suggestion allows it (single
    responsible unit, confidence ≥ settings.triage_auto_dispatch_threshold, ids known). Visible as an
    "auto_dispatch" event; the agent undoes it with `undo_auto_dispatch`."""
    dept = hint.get("department") or {}
    matter = hint.get("matter") or {}
    if not hint.get("auto_dispatch") or not dept.get("id"):
        return False
    from ticketing.flows.common import assign_departments

    def work(session: Session) -> bool:
        ticket = load_record(session, number, Actor.system("triage"))
        if ticket.status != Status.REGISTERED.value:
            return False
        assign_departments(session, ctx, ticket, lead_id=dept["id"], co_ids=[])
        values: dict[str, Any] = {"lead_department_id": dept["id"], "dispatched_at": utcnow()}
        if matter.get("id") and ticket.category_id is None:
            values["category_id"] = matter["id"]
        changes = assign(ticket, **values)
        changes["reason"] = [None, f"自动派单：{hint.get('why') or ''}（置信度 {hint.get('confidence', 0):.2f}）"]
        transition(session, ticket, Actor.system("triage"), "auto_dispatch", changes=changes)
        return True

    return run(ctx, work)


def escalate(ctx: AppContext, *, number: str, hint: dict) -> bool:
    """A late transcript (or any later suggestion) that tells of danger makes an open case urgent, with the
    urgent time limits, as at registration. Returns True when the case changed."""
    if hint.get("urgency") != Urgency.URGENT.value:
        return False
    from ticketing.flows.common import recompute_deadlines

    def work(session: Session) -> bool:
        ticket = load_record(session, number, Actor.system("triage"))
        if ticket.urgency == Urgency.URGENT.value or ticket.status not in tickets.OPEN:
            return False
        changes = assign(ticket, urgency=Urgency.URGENT.value)
        changes.update(recompute_deadlines(session, ctx, ticket))
        changes["triage"] = [None, {"handoff": hint.get("handoff"), "reasons": hint.get("reasons", [])[:3]}]
        transition(session, ticket, Actor.system("triage"), "escalate", changes=changes)
        return True

    return run(ctx, work)


def undo_auto_dispatch(ctx: AppContext, *, number: str, actor: Actor, note: str | None = None) -> None:
    """The agent takes an automatic dispatch back: assignments withdrawn, the case is triaged again."""
    from ticketing.enums import AssignmentStatus

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        actions = [e.action for e in tickets.events(session, ticket_id=ticket.id)]
        if not actions or actions[-1] != "auto_dispatch":
            raise ValidationFailed("only an automatic dispatch that nothing followed can be undone", field="number")
        for a in ticket.assignments:
            if a.status != AssignmentStatus.WITHDRAWN.value:
                a.status = AssignmentStatus.WITHDRAWN.value
        changes = assign(ticket, lead_department_id=None, dispatched_at=None)
        transition(session, ticket, actor, "undo_auto_dispatch", note=note, changes=changes,
                   target=Status.TRIAGED.value)

    run(ctx, work)


def check_downgrade(*, before: str, after: str | None, note: str | None) -> None:
    """An urgent case becomes normal only with a reason (the triage event keeps it: audited)."""
    if before == Urgency.URGENT.value and after == Urgency.NORMAL.value and not (note or "").strip():
        raise ValidationFailed("downgrading an urgent case needs a reason (note)", field="note")


def record_handoff(ctx: AppContext, *, number: str, service: str, outcome: str, actor: Actor,
                   note: str | None = None) -> int:
    """转警/转急救: the case was handed to an emergency service; recorded with time, agent and outcome."""
    return _record(ctx, number=number, code=service, outcome=outcome, actor=actor, note=note)


def _record(ctx: AppContext, *, number: str, code: str, outcome: str, actor: Actor, note: str | None) -> int:
    if code not in SERVICES_ZH:
        raise ValidationFailed(f"service must be one of {', '.join(SERVICES_ZH)}", field="service")
    if outcome not in OUTCOMES:
        raise ValidationFailed(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")

    def work(session: Session) -> int:
        ticket = load_record(session, number, actor)
        row = service.add_handoff(session, handoff=Handoff(
            ticket_id=ticket.id, service=code, outcome=outcome, reason=note, agent_id=actor.id,
            agent_name=actor.name, at=utcnow()))
        transition(session, ticket, actor, "handoff", note=note,
                   changes={"handoff": [None, {"service": code, "outcome": outcome}]})
        return row.id

    return run(ctx, work)


def handoffs(session: Session, *, ticket_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for h in service.handoffs(session, ticket_ids=ticket_ids):
        out.setdefault(h.ticket_id, []).append(
            {"service": h.service, "outcome": h.outcome, "agent": h.agent_name, "at": h.at.isoformat(),
             "reason": h.reason})
    return out


def handoffs_of(session: Session, *, number: str) -> list[dict]:
    ticket_id = service.ticket_id(session, number=number)
    return handoffs(session, ticket_ids=[ticket_id]).get(ticket_id, []) if ticket_id else []


__all__ = ["OUTCOMES", "auto_dispatch", "check_downgrade", "engine", "handoffs", "record_handoff",
           "registration_values", "suggest", "undo_auto_dispatch"]
