"""Triage suggestions for the 受理 form, behind one function (`suggest_for_form`) with a plain-dict result: the
trained triage engine (ticketing.triage: emergency rules over text and pinyin, then the model) reshaped for
the form's hints panel.

Result keys: type, urgency, handoff, matter, department (each a dict with "value" and "name" and a "reason",
or None), confidence (0–1) and reasons (list of Chinese sentences)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.context import AppContext
from ticketing.enums import LABELS_ZH, Urgency
from ticketing.triage import flows as triage


def suggest_for_form(ctx: AppContext, session: Session, text: str) -> dict[str, Any]:
    """Suggestions for the case being registered from its content; the engine reads the place from the text
    against the gazetteer."""
    text = (text or "").strip()
    out: dict[str, Any] = {"type": None, "urgency": None, "handoff": None, "matter": None, "department": None,
                           "confidence": 0.0, "reasons": []}
    if len(text) < ctx.settings.console_suggest_min_chars:
        return out
    hint = triage.suggest(ctx, text, session=session)
    reasons = [r for r in hint.get("reasons") or [] if r]
    confidence = float(hint.get("confidence") or 0.0)
    if hint.get("type"):
        out["type"] = {"value": hint["type"], "name": hint.get("type_zh") or LABELS_ZH.get(hint["type"], ""),
                       "reason": f"智能分诊（置信度 {float(hint.get('type_confidence') or 0):.2f}）"}
    urgent = hint.get("urgency") == Urgency.URGENT.value
    level = Urgency.URGENT.value if urgent else Urgency.NORMAL.value
    out["urgency"] = {"value": level, "name": LABELS_ZH[level],
                      "reason": "；".join(reasons[:2]) if urgent and reasons else "未发现紧急情况"}
    if hint.get("handoff"):
        code = hint["handoff"]
        out["handoff"] = {"value": code, "name": triage.SERVICES_ZH.get(code, code),
                          "reason": f"建议转 {triage.SERVICES_ZH.get(code, code)}" + (f"：{reasons[0]}" if reasons else "")}
    matter = hint.get("matter") or {}
    if matter.get("code"):
        out["matter"] = {"value": matter.get("id"), "code": matter["code"], "name": matter.get("name", ""),
                         "reason": f"事项：{matter.get('name', '')}"}
    dept = hint.get("department") or {}
    if dept.get("code"):
        out["department"] = {"value": dept.get("id"), "name": dept.get("name", ""),
                             "reason": hint.get("why") or f"派单目录 → {dept.get('name', '')}"}
    out["confidence"] = round(confidence, 2)
    out["reasons"] = reasons
    return out
