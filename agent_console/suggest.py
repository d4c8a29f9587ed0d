"""Triage suggestions for the 受理 form, behind one function (`suggest_for_form`) with a plain-dict result, so
the engine behind it (today the keyword classifier ticketing/classify.py plus an emergency hand-off word
table) can be replaced without touching the form.

Result keys: type, urgency, handoff, matter, department (each a dict with at least "value"/"name" and
"reason", or None), confidence (0–1) and reasons (list of Chinese sentences)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from hotline.errors import ConfigurationError
from hotline.settings import get_settings
from ticketing import classify
from ticketing.enums import LABELS_ZH, Urgency

DEFAULT_HANDOFF = Path(__file__).with_name("handoff_words.json")


class HandoffService(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    words: list[str]


class HandoffTable(BaseModel):
    model_config = ConfigDict(extra="ignore")

    services: list[HandoffService]


_handoff_cache: dict[Path, tuple[float, HandoffTable]] = {}


def load_handoff(path: Path | None = None) -> HandoffTable:
    """The hand-off word table (re-read when the file changes); a broken file is a configuration error."""
    path = Path(path or DEFAULT_HANDOFF).resolve()
    try:
        mtime = path.stat().st_mtime
        cached = _handoff_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        table = HandoffTable.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigurationError(f"hand-off words {path} cannot be used: {exc}", path=str(path)) from exc
    _handoff_cache[path] = (mtime, table)
    return table


def _handoff(text: str, table: HandoffTable) -> dict[str, Any] | None:
    for service in table.services:
        hits = [w for w in service.words if w and w in text]
        if hits:
            return {"value": service.code, "name": service.name, "words": hits,
                    "reason": f"建议转 {service.name}：{'、'.join(hits)}"}
    return None


def suggest_for_form(session: Session, text: str, *, district: str | None = None) -> dict[str, Any]:
    """Suggestions for the case being registered from its content (and district, for the dispatch catalogue).

    confidence is the share of the two classifications (type, matter) that rest on matched words; the
    keyword engine has no probabilities. A hand-off or urgent word always makes the urgency urgent."""
    settings = get_settings()
    text = (text or "").strip()
    empty = {"type": None, "urgency": None, "handoff": None, "matter": None, "department": None,
             "confidence": 0.0, "reasons": [], "engine": classify.ENGINE}
    if len(text) < settings.console_suggest_min_chars:
        return empty
    result = classify.classify(text, rules=classify.load_rules(settings.classify_rules_path))
    hints = classify.suggestions(session, result, district=district)
    handoff = _handoff(text, load_handoff(settings.handoff_words_path))
    out = dict(empty)
    reasons: list[str] = []
    if "ticket_type" in hints:
        t = hints["ticket_type"]
        out["type"] = {"value": t["value"], "name": LABELS_ZH.get(t["value"], t["value"]), "reason": t["reason"]}
        reasons.append(t["reason"])
    if "urgency" in hints:
        u = hints["urgency"]
        out["urgency"] = {"value": u["value"], "name": LABELS_ZH[u["value"]], "reason": u["reason"]}
        reasons.append(u["reason"])
    elif handoff is not None:
        out["urgency"] = {"value": Urgency.URGENT.value, "name": LABELS_ZH[Urgency.URGENT.value],
                          "reason": f"需转警/消防/急救：{'、'.join(handoff['words'])}"}
    else:
        out["urgency"] = {"value": Urgency.NORMAL.value, "name": LABELS_ZH[Urgency.NORMAL.value],
                          "reason": "未发现紧急关键词"}
    if handoff is not None:
        out["handoff"] = handoff
        reasons.append(handoff["reason"])
    if "category" in hints:
        c = hints["category"]
        out["matter"] = {"value": c["id"], "code": c["code"], "name": c["name"], "reason": c["reason"]}
        reasons.append(c["reason"])
    if "department" in hints:
        d = hints["department"]
        out["department"] = {"value": d["id"], "name": d["name"], "reason": d["reason"]}
        reasons.append(f"派单目录：{hints['category']['name']} → {d['name']}")
    out["confidence"] = round(((out["type"] is not None) + (out["matter"] is not None)) / 2, 2)
    out["reasons"] = reasons
    return out
