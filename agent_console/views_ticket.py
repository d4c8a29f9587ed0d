"""工单详情: one case with caller, deadlines, transcript and recording, suggestions (department, knowledge
base, repeats), history, and the triage/dispatch actions the actor may take (agent_console.views_ticket_actions)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from agent_console.session import ConsoleActor
from agent_console.templating import FIELD_ZH, local_time, templates, zh
from hotline.context import AppContext
from ticketing.enums import Role
from ticketing.flows import media, queries
from ticketing.kb import service as kb
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
    "suggested_department_id": "建议承办单位",
}
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
               ".m4a": "audio/mp4", ".webm": "audio/webm"}


_BY_DISTRICT = re.compile(r"catalogue: category (.+) in district (\S+?)(?: \(inherited by (.+)\))?$")
_DEFAULT = re.compile(r"catalogue default for category (.+?)(?: \(inherited by (.+)\))?$")


def reason_zh(reason: str) -> str:
    """The dispatch catalogue's reason in Chinese words."""
    if reason == "chosen by agent":
        return "坐席人工选择"
    if m := _BY_DISTRICT.match(reason):
        text = f"派单目录：分类“{m[1]}”在区域“{m[2]}”的承办单位"
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


def _show(value: Any, names: dict[int, str], field: str) -> str:
    if value is None or value == "":
        return "—"
    if field in DEPARTMENT_FIELDS and isinstance(value, int):
        return names.get(value, str(value))
    if field == "departments" and isinstance(value, dict):
        co = "、".join(names.get(i, str(i)) for i in value.get("co", []))
        return f"主办：{names.get(value.get('lead'), value.get('lead'))}" + (f"；协办：{co}" if co else "")
    if isinstance(value, str) and field == "reason":
        return reason_zh(value)
    if isinstance(value, str):
        if field.endswith("_at") and len(value) >= 19:
            try:
                return local_time(datetime.fromisoformat(value))
            except ValueError:
                return value
        return zh(value)
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
        if staff:
            found = org.suggest_department(session, category_id=ticket.category_id, district=ticket.district)
            if found is not None:
                suggestion = {"id": found[0].id, "name": found[0].name, "reason": reason_zh(found[1])}
            text = " ".join(filter(None, [ticket.title, ticket.transcript or ticket.content]))
            articles = [{"id": a.id, "question": a.question, "answer": a.answer}
                        for a in kb.suggest_articles(session, text=text, limit=KB_SUGGESTIONS)]
    history = [
        {"event": e, "changes": [(LABELS.get(field, field), _show(v[0], names, field), _show(v[1], names, field))
                                 for field, v in e.changes.items() if isinstance(v, list) and len(v) == 2]}
        for e in events
    ]
    hints = ticket.suggestions or {}
    proposed = {key: hints[key] for key in ("ticket_type", "urgency", "category", "department")
                if isinstance(hints.get(key), dict)}
    return {"t": ticket, "history": history, "repeats": repeats, "departments": departments,
            "categories": categories, "suggestion": suggestion, "articles": articles, "proposed": proposed,
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
    data = ticket_context(request.app.state.context, number=number, actor=actor)
    return templates.TemplateResponse(request, "ticket.html", data)


@router.get("/tickets/{number}/recording")
def recording(request: Request, number: str, actor: ConsoleActor) -> Response:
    """The call recording, with HTTP Range support for seeking. Every playback is audited as a "listen"
    event: requests starting at byte 0 are recorded; the continuation ranges of one playback are not."""
    range_header = request.headers.get("range", "")
    continuation = range_header.startswith("bytes=") and not range_header.startswith("bytes=0-")
    path = media.recording_path(request.app.state.context, number=number, actor=actor, audit=not continuation)
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                        headers={"Cache-Control": "private, no-store"})
