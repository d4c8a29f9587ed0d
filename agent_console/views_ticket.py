"""工单详情: one case with caller, deadlines, transcript and recording, suggestions (department, knowledge
base, repeats), history, and the triage/dispatch actions the actor may take (agent_console.views_ticket_actions)."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from agent_console.intake_hints import kb_matches
from agent_console.live import newest_event_id
from agent_console.places import district_names
from agent_console.session import ConsoleActor
from agent_console.templating import FIELD_ZH, local_time, templates, zh
from hotline import byteranges
from hotline.context import AppContext
from ticketing import claims
from ticketing.deadlines.rulesets import KIND_ZH, UNIT_ZH
from ticketing.enums import Role
from ticketing.flows import media, queries
from ticketing.org import service as org
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console", include_in_schema=False)
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
KB_SUGGESTIONS = 5
DEPARTMENT_FIELDS = {"lead_department_id", "new_department_id", "department_id", "suggested_department_id",
                     "co_accepted", "co_replied"}
LABELS = FIELD_ZH | {
    "ticket_type": "类型", "urgency": "紧急程度", "due_at": "办理时限", "first_contact_due_at": "首次联系时限",
    "first_contact_at": "首次联系时间", "light": "灯色", "channel": "渠道", "address": "地址", "district": "区域",
    "departments": "承办单位", "dispatched_at": "派单时间", "replied_at": "答复时间", "closed_at": "办结时间",
    "handled_at": "签收时间", "recording": "录音文件", "kb_article": "知识库条目", "merged": "并入的工单",
    "merged_into_id": "并入工单", "overdue_raised": "超期标记", "supervise_count": "督办次数", "kind": "方式",
    "reopen_count": "重启次数", "decision": "审核结果", "co_accepted": "协办单位签收", "co_replied": "协办单位答复",
    "suggested_department_id": "建议承办单位", "informed_once": "一次告知（所需材料）",
    "reply_due_at": "答复时限", "complexity": "复杂程度", "rule_set": "时限规则集", "limits": "所用时限规则",
    "limit": "超期的时限",
}
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
               ".m4a": "audio/mp4", ".webm": "audio/webm"}


_BY_DISTRICT = re.compile(r"catalogue: category (.+) in district (\S+?)(?: \(inherited by (.+)\))?$")
_DEFAULT = re.compile(r"catalogue default for category (.+?)(?: \(inherited by (.+)\))?$")


def reason_zh(reason: str, districts: dict[str, str] | None = None) -> str:
    """The dispatch catalogue's reason in Chinese words (area codes as district names when known)."""
    if reason == "chosen by agent":
        return "坐席人工选择"
    if m := _BY_DISTRICT.match(reason):
        text = f"派单目录：分类“{m[1]}”在“{(districts or {}).get(m[2], m[2])}”的承办单位"
        return text + (f"（“{m[3]}”沿用上级分类的规则）" if m[3] else "")
    if m := _DEFAULT.match(reason):
        return f"派单目录：分类“{m[1]}”的默认承办单位" + (f"（“{m[2]}”沿用上级分类的规则）" if m[2] else "")
    return reason


def _category_options(categories) -> list[tuple[int, str]]:
    """The category tree flattened depth-first, each name prefixed by its ancestors (道路设施 / 路灯)."""
    children: dict[int | None, list] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    known = {c.id for c in categories}
    out: list[tuple[int, str]] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for c in children.get(parent, []):
            out.append((c.id, prefix + c.name))
            if depth < 16:
                walk(c.id, f"{prefix}{c.name} / ", depth + 1)

    walk(None, "", 0)
    for parent in [p for p in children if p is not None and p not in known]:  # parent inactive: still offer
        walk(parent, "… / ", 1)
    return out


def _show(value: Any, names: dict[int, str], field: str, lookups: dict[str, dict] | None = None) -> str:
    lookups = lookups or {}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in DEPARTMENT_FIELDS and isinstance(value, int):
        return names.get(value, str(value))
    if field == "category_id" and isinstance(value, int):
        return lookups.get("categories", {}).get(value, f"分类 {value}")
    if field == "district" and isinstance(value, str):
        return lookups.get("districts", {}).get(value, value)
    if field == "departments" and isinstance(value, dict):
        co = "、".join(names.get(i, str(i)) for i in value.get("co", []))
        return f"主办：{names.get(value.get('lead'), value.get('lead'))}" + (f"；协办：{co}" if co else "")
    if isinstance(value, str) and field == "reason":
        return reason_zh(value, lookups.get("districts"))
    if isinstance(value, str):
        if field.endswith("_at") and len(value) >= 19:
            try:
                return local_time(datetime.fromisoformat(value))
            except ValueError:
                return value
        return zh(value)
    if field == "limits" and isinstance(value, dict):
        return "；".join(f"{KIND_ZH.get(k, k)} {v.get('amount')} {UNIT_ZH.get(v.get('unit'), v.get('unit'))}"
                        for k, v in value.items() if isinstance(v, dict))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def ticket_context(ctx: AppContext, *, number: str, actor: Actor) -> dict[str, Any]:
    """Everything the ticket page shows; raises NotFound for cases the actor may not see."""
    ticket = queries.ticket_view(ctx, number=number, actor=actor)
    events = queries.history(ctx, number=number, actor=actor)
    repeats = [r for r in queries.repeats(ctx, number=number, actor=actor) if r.status.value != "merged"]
    staff = actor.role in STAFF
    suggestion = None
    articles: list = []
    with ctx.reader() as session:
        departments = [(d.id, d.name) for d in org.list_departments(session)]
        names = dict(departments)
        categories = _category_options(org.list_categories(session)) if staff else []
        districts = district_names(session)
        category_names = dict(categories) or {c.id: c.name for c in org.list_categories(session, include_inactive=True)}
        if staff:
            found = org.suggest_department(session, category_id=ticket.category_id, district=ticket.district)
            if found is not None:
                suggestion = {"id": found[0].id, "name": found[0].name, "reason": reason_zh(found[1], districts)}
            text = " ".join(filter(None, [ticket.title, ticket.transcript or ticket.content]))
            # shown for reference; only answers sharing enough of the case's key words get the one-click reply
            articles = kb_matches(session, text, settings=ctx.settings, limit=KB_SUGGESTIONS)
    lookups = {"categories": category_names, "districts": districts}
    history = [
        {"event": e, "changes": [(LABELS.get(field, field), _show(v[0], names, field, lookups),
                                  _show(v[1], names, field, lookups))
                                 for field, v in e.changes.items() if isinstance(v, list) and len(v) == 2]}
        for e in events
    ]
    hints = ticket.suggestions or {}
    proposed = {key: hints[key] for key in ("ticket_type", "urgency", "category", "department")
                if isinstance(hints.get(key), dict)}
    triage = hints.get("triage") if isinstance(hints.get("triage"), dict) else None
    dept = (triage or {}).get("department") or {}
    if staff and suggestion is None and dept.get("id") in names:  # preselected in the dispatch form
        suggestion = {"id": dept["id"], "name": names[dept["id"]],
                      "reason": f"智能建议（置信度 {triage.get('confidence', 0):.2f}）：{triage.get('why') or ''}"}
    with ctx.reader() as session:
        from ticketing.triage.flows import handoffs_of

        handed = handoffs_of(session, number=ticket.number) if staff else []
    auto = bool(events) and events[-1].action == "auto_dispatch" and ticket.status.value == "dispatched"
    claim = claims.holders(ctx, numbers=[number]).get(number) if staff else None
    return {"t": ticket, "history": history, "claim": claim, "claim_minutes": ctx.settings.console_claim_minutes, "repeats": repeats, "departments": departments,
            "categories": categories, "suggestion": suggestion, "articles": articles, "proposed": proposed,
            "triage": triage, "handoffs": handed, "auto_dispatched": auto,
            "staff": staff, "category_name": dict(categories).get(ticket.category_id) if ticket.category_id else None,
            "speech": _speech(ctx, number=number),
            "limits": {"urgent_hours": ctx.settings.urgent_hours,
                       "normal_working_days": ctx.settings.normal_working_days}}


TRANSCRIPT_STATES = {"pending": "待转写", "done": "已转写", "empty": "转写为空（未识别到语音）", "failed": "转写失败，稍后重试"}


def _speech(ctx: AppContext, *, number: str) -> dict[str, Any] | None:
    """The call behind a phone ticket: transcript state, timed sentences (click → play from there), raw text."""
    from telephony.service import call_for_ticket

    with ctx.reader() as session:
        call = call_for_ticket(session, number=number)
        if call is None:
            return None
        segments = [{"start": float(s.get("start") or 0.0), "text": s.get("text", ""),
                     "clock": f"{int(s.get('start') or 0) // 60:02d}:{int(s.get('start') or 0) % 60:02d}"}
                    for s in (call.transcript_segments or []) if isinstance(s, dict)]
        return {"state": call.transcript_status, "state_zh": TRANSCRIPT_STATES.get(call.transcript_status,
                                                                                    call.transcript_status),
                "engine": call.transcript_engine, "raw": call.transcript_raw, "segments": segments,
                "error": call.error if call.transcript_status in ("failed", "empty") else None}


@router.get("/tickets/{number}", response_class=HTMLResponse)
def ticket_page(request: Request, number: str, actor: ConsoleActor) -> Response:
    ctx = request.app.state.context
    data = ticket_context(ctx, number=number, actor=actor)
    with ctx.reader() as session:
        data["newest_event"] = newest_event_id(session)
    return templates.TemplateResponse(request, "ticket.html", data)


@router.get("/tickets/{number}/recording")
def recording(request: Request, number: str, actor: ConsoleActor) -> Response:
    """The call recording, with HTTP Range support for seeking (single and multiple ranges, suffix ranges;
    malformed or unsatisfiable ones get 416). Every request that serves bytes is audited with its ranges
    (ticketing.flows.media.serve_recording); a playback from byte 0 is also a "listen" event of the case."""
    served = media.serve_recording(request.app.state.context, number=number, actor=actor,
                                   range_header=request.headers.get("range"),
                                   client=request.client.host if request.client else None)
    media_type = AUDIO_TYPES.get(served.path.suffix.lower(), "application/octet-stream")
    headers = {"Cache-Control": "private, no-store", "Accept-Ranges": "bytes"}
    if served.ranges is None:
        headers["Content-Length"] = str(served.size)
        return StreamingResponse(byteranges.read(served.path, 0, served.size - 1), media_type=media_type,
                                 headers=headers)
    if len(served.ranges) == 1:
        start, end = served.ranges[0]
        headers |= {"Content-Range": f"bytes {start}-{end}/{served.size}", "Content-Length": str(end - start + 1)}
        return StreamingResponse(byteranges.read(served.path, start, end), status_code=206,
                                 media_type=media_type, headers=headers)
    boundary = secrets.token_hex(12)
    return StreamingResponse(byteranges.multipart(served.path, served.ranges, served.size, media_type, boundary),
                             status_code=206, media_type=f"multipart/byteranges; boundary={boundary}",
                             headers=headers)
