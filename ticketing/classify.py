"""A first, explainable transcript classifier: keyword tables suggest urgency, type and category; the
dispatch catalogue turns the category into a department. Every suggestion names the words it matched.

The tables live in a JSON file (settings.classify_rules_path, default ticketing/classify_rules.json):
{"urgent": [words], "types": {ticket_type: [words]}, "categories": {category code: [words]}}.
Ties go to the entry listed first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import ConfigurationError
from ticketing.enums import LABELS_ZH, TicketType, Urgency
from ticketing.org import service as org
from ticketing.org.models import Category

DEFAULT_RULES = Path(__file__).with_name("classify_rules.json")
ENGINE = "keywords-v1"


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urgent: list[str] = Field(default_factory=list)
    types: dict[TicketType, list[str]] = Field(default_factory=dict)
    categories: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    value: str
    words: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Classification:
    urgency: Suggestion | None
    ticket_type: Suggestion | None
    category: Suggestion | None


_cache: dict[Path, tuple[float, Rules]] = {}


def load_rules(path: Path | None = None) -> Rules:
    """The keyword tables from `path` (default: the packaged file); re-read when the file changes."""
    path = Path(path or DEFAULT_RULES).resolve()
    try:
        mtime = path.stat().st_mtime
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        rules = Rules.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigurationError(f"classifier rules {path} cannot be used: {exc}", path=str(path)) from exc
    _cache[path] = (mtime, rules)
    return rules


def _found(text: str, words: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in words if w and w in text))


def _best(text: str, table: dict[Any, list[str]]) -> tuple[str, tuple[str, ...]] | None:
    best: tuple[str, tuple[str, ...]] | None = None
    for key, words in table.items():
        hits = _found(text, words)
        if hits and (best is None or len(hits) > len(best[1])):
            best = (getattr(key, "value", key), hits)
    return best


def _words(hits: tuple[str, ...]) -> str:
    return "、".join(hits)


def classify(text: str | None, *, rules: Rules, menu_type: str | None = None) -> Classification:
    """Suggestions for one transcript. A consultation chosen in the IVR menu wins over the words."""
    text = (text or "").strip()
    urgent = _found(text, rules.urgent)
    urgency = Suggestion(Urgency.URGENT.value, urgent, f"紧急关键词：{_words(urgent)}") if urgent else None
    if menu_type == TicketType.CONSULT.value:
        ticket_type = Suggestion(menu_type, (), "来电人在语音菜单中选择了咨询")
    else:
        found = _best(text, rules.types)
        ticket_type = None
        if found:
            label = LABELS_ZH.get(found[0], found[0])
            ticket_type = Suggestion(found[0], found[1], f"{label}关键词：{_words(found[1])}")
    found = _best(text, rules.categories)
    category = Suggestion(found[0], found[1], f"分类关键词：{_words(found[1])}") if found else None
    return Classification(urgency=urgency, ticket_type=ticket_type, category=category)


def suggestions(session: Session, result: Classification, *, district: str | None = None) -> dict[str, Any]:
    """The classification as Ticket.suggestions entries (the console shows them with their reasons). The
    category code is looked up among active categories; its department comes from the dispatch catalogue."""
    out: dict[str, Any] = {"classifier": ENGINE}
    for key in ("urgency", "ticket_type"):
        hint: Suggestion | None = getattr(result, key)
        if hint is not None:
            out[key] = {"value": hint.value, "words": list(hint.words), "reason": hint.reason}
    if result.category is None:
        return out
    category = session.scalars(
        select(Category).where(Category.code == result.category.value, Category.active.is_(True))
    ).first()
    if category is None:
        return out
    out["category"] = {"id": category.id, "code": category.code, "name": category.name,
                       "words": list(result.category.words), "reason": result.category.reason}
    found = org.suggest_department(session, category_id=category.id, district=district)
    if found is not None:
        department, why = found
        out["department"] = {"id": department.id, "name": department.name,
                             "reason": f"{result.category.reason}；派单目录：{category.name} → {department.name}",
                             "catalogue": why}
    return out
