"""One triage suggestion for one text: the emergency rules and the trained model combined, the matter mapped
to its responsible unit (or the district/street government for 属地 matters), a title and the reasons.
Pure (no database): the console/API/registration add database ids in `ticketing.triage.flows`.

Safety first: the rules alone make a call urgent; the model can add urgency but never take the rules'
away; a cancelled rule hit (不是着火) still counts when the model is very sure. Any input gives a valid
suggestion (empty, noise, 20,000 characters, English, emoji) — low confidence, never an exception."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketing.enums import LABELS_ZH, TicketType
from ticketing.triage import catalogue_data, emergency, framing
from ticketing.triage import model as triage_model

log = logging.getLogger(__name__)
DEFAULT_TYPE = TicketType.HELP.value
CJK = re.compile(r"[\u4e00-\u9fff]")
EVIDENCE_CHARS = 8  # Chinese characters below which every confidence is scaled down
TITLE_LIMIT = 20


@dataclass(frozen=True)
class Thresholds:
    urgent: float = 0.4  # model urgency probability that makes a call urgent without a rule hit
    urgent_cancelled: float = 0.85  # ... when a rule hit was cancelled by negation or a past/over cue
    auto_dispatch: float = 0.9  # department confidence for auto-dispatch (single responsible unit only)


def _extract(text: str, cat: catalogue_data.Catalogue, matter_name: str | None) -> tuple[str | None, str | None,
                                                                                         str, Any]:
    """(district code, street code, title, extraction or None) — the extraction module when installed."""
    try:
        from ticketing.triage import extract as ext  # the catalogue engineer's module (issue 11 item 4)
    except ImportError:
        ext = None
    if ext is not None:
        try:
            places = ext.load_gazetteer() if hasattr(ext, "load_gazetteer") else None
            if places is not None:
                found = ext.extract(text, places)
                title = ext.make_title(text, matter_name, TITLE_LIMIT)
                return getattr(found, "district", None), getattr(found, "street", None), title, found
        except Exception:
            log.exception("extraction failed; using the gazetteer lookup")
    place = cat.find_place(text)
    title = _title(text, matter_name)
    return (place.district if place else None), (place.street if place else None), title, place


def _title(text: str, matter_name: str | None) -> str:
    """A short title that says the matter (≤ 20 characters)."""
    clean = re.sub(r"\s+", "", text)
    if matter_name:
        return matter_name[:TITLE_LIMIT]
    return (clean[:TITLE_LIMIT] or "来电")


def _department(cat: catalogue_data.Catalogue, matter: catalogue_data.Matter, district: str | None,
                street: str | None) -> tuple[str | None, str]:
    if not matter.local:
        return matter.responsible, f"派单目录：{matter.name} → {_dept_name(cat, matter.responsible)}"
    place = None
    if street and street in cat.places:
        place = cat.places[street]
    elif district and district in cat.places:
        place = cat.places[district]
    office = cat.office(matter, place)
    level = "街道" if matter.responsible == catalogue_data.LOCAL_STREET else "区"
    if office is None:
        return None, f"派单目录：{matter.name} 属地办理（{level}），未识别出所在地点"
    return office, f"派单目录：{matter.name} 属地办理 → {_dept_name(cat, office)}"


def _dept_name(cat: catalogue_data.Catalogue, code: str) -> str:
    return cat.departments.get(code, (code,))[0]


def _urgency(verdict: emergency.Verdict, probs: dict[str, dict[str, float]], limits: Thresholds,
             matter: catalogue_data.Matter | None, stated_other: bool = False) -> tuple[bool, str | None, float, list[str]]:
    handoff = probs.get("handoff", {})
    p_urgent = 1.0 - handoff.get(triage_model.NO_HANDOFF, 1.0) if handoff else 0.0
    model_service = max((s for s in handoff if s != triage_model.NO_HANDOFF), key=handoff.get, default=None)
    reasons = list(verdict.reasons)
    if verdict.urgent:
        service = verdict.service or model_service or (matter.emergency if matter else None) \
            or emergency.FALLBACK_SERVICE
        return True, service, max(p_urgent, 0.99), reasons
    # a cancelled rule hit, or a caller who says what kind of call it is (举报, 投诉, 建议…), asks more of the model
    limit = limits.urgent_cancelled if verdict.cancelled or stated_other else limits.urgent
    if handoff and p_urgent >= limit and model_service:
        reasons.append(f"模型判断紧急（概率 {p_urgent:.2f}），应转 {model_service}")
        return True, model_service, p_urgent, reasons
    return False, None, p_urgent, reasons


def suggest(text: str | None, *, rules: emergency.RuleSet, loaded: triage_model.Loaded,
            cat: catalogue_data.Catalogue, limits: Thresholds = Thresholds(),
            menu_type: str | None = None) -> dict[str, Any]:
    """The suggestion (see the module doc); keys are the contract of `hotline triage suggest`."""
    text = (text or "")[:emergency.MAX_SCAN_CHARS]
    verdict = emergency.judge(text, rules)
    evidence = min(1.0, len(CJK.findall(text)) / EVIDENCE_CHARS)
    probs: dict[str, dict[str, float]] = {}
    reasons: list[str] = []
    if loaded.model is not None and evidence > 0:
        try:
            probs = loaded.model.predict([text])[0]
        except Exception:
            log.exception("triage model %s failed on a text; the rule layer still runs", loaded.version)
            reasons.append("分类模型出错，仅按规则判断")
    elif loaded.model is None:
        reasons.append("分类模型不可用，仅按规则判断")
    types = probs.get("type", {})
    ticket_type = max(types, key=types.get) if types else DEFAULT_TYPE
    type_conf = types.get(ticket_type, 0.0) * evidence
    stated = framing.stated_type(text)
    if menu_type == TicketType.CONSULT.value and stated is None:
        ticket_type, type_conf = menu_type, max(type_conf, 0.9)
        reasons.append("来电人在语音菜单中选择了咨询")
    elif stated is not None and stated.value != ticket_type:
        ticket_type, type_conf = stated.value, max(type_conf, 0.8)
        reasons.append(f"来电人说明了诉求类型：{LABELS_ZH.get(ticket_type, ticket_type)}")
    matters = sorted(((cat.matters[c], p) for c, p in probs.get("matter", {}).items() if c in cat.matters),
                     key=lambda mp: -mp[1])
    matter, matter_p = (matters[0] if matters else (None, 0.0))
    urgent, handoff, p_urgent, urgent_reasons = _urgency(verdict, probs, limits, matter,
                                                         stated not in (None, TicketType.HELP))
    if urgent and ticket_type not in (TicketType.HELP.value, TicketType.REPORT.value):
        ticket_type = TicketType.HELP.value
    reasons = urgent_reasons + reasons
    district, street, title, _found = _extract(text, cat, matter.name if matter and matter_p * evidence >= 0.2
                                               else None)
    by_dept: dict[str, float] = {}
    why: dict[str, str] = {}
    for m, p in matters[:12]:
        code, line = _department(cat, m, district, street)
        if code is None:
            continue
        by_dept[code] = by_dept.get(code, 0.0) + p
        why.setdefault(code, line)
    ranked = sorted(by_dept.items(), key=lambda kv: -kv[1])
    department = None
    confidence = 0.0
    if matter is not None:
        code, line = _department(cat, matter, district, street)
        if code is not None:
            department = {"code": code, "name": _dept_name(cat, code)}
            confidence = by_dept.get(code, matter_p) * evidence
            why[code] = line
        reasons.append(f"事项：{matter.name}（{matter_p * evidence:.2f}）")
        reasons.append(line)
    if types:
        reasons.append(f"类型：{LABELS_ZH.get(ticket_type, ticket_type)}（{type_conf:.2f}）")
    alternatives = [{"code": c, "name": _dept_name(cat, c), "confidence": round(p * evidence, 4),
                     "why": why[c]} for c, p in ranked[:3]]
    single = matter is not None and not matter.local and department is not None
    return {
        "type": ticket_type, "type_zh": LABELS_ZH.get(ticket_type, ticket_type),
        "type_confidence": round(type_conf, 4),
        "urgency": "urgent" if urgent else "normal", "urgency_probability": round(p_urgent, 4),
        "handoff": handoff,
        "matter": {"code": matter.code, "name": matter.name} if matter else None,
        "matter_confidence": round(matter_p * evidence, 4),
        "matter_alternatives": [{"code": m.code, "name": m.name, "confidence": round(p * evidence, 4)}
                                for m, p in matters[:3]],
        "department": department, "confidence": round(confidence, 4), "alternatives": alternatives,
        "why": why.get(department["code"]) if department else (reasons[-1] if reasons else ""),
        "district": district, "street": street, "title": title, "reasons": reasons,
        "auto_dispatch": bool(single and confidence >= limits.auto_dispatch),
        "model": loaded.version,
    }


@dataclass
class Engine:
    """What a process needs to suggest: the rule file, the models directory and the catalogue folder."""

    rules_path: Path | None
    models_dir: Path
    catalogue_dir: Path | None = None
    limits: Thresholds = Thresholds()

    def rules(self) -> emergency.RuleSet:
        try:
            return emergency.load_rules(self.rules_path)
        except Exception:
            log.exception("emergency rules %s cannot be used; using the packaged rules", self.rules_path)
            return emergency.load_rules(None)

    def suggest(self, text: str | None, *, menu_type: str | None = None) -> dict[str, Any]:
        return suggest(text, rules=self.rules(), loaded=triage_model.load(self.models_dir),
                       cat=catalogue_data.load(self.catalogue_dir), limits=self.limits, menu_type=menu_type)


def engine_for(settings) -> Engine:
    return Engine(rules_path=settings.triage_rules_path, models_dir=models_dir(settings),
                  limits=Thresholds(urgent=settings.triage_urgent_threshold,
                                    urgent_cancelled=settings.triage_urgent_cancelled_threshold,
                                    auto_dispatch=settings.triage_auto_dispatch_threshold))


def models_dir(settings) -> Path:
    return Path(settings.triage_models_dir or settings.data_dir / "triage-models").resolve()


__all__ = ["Engine", "Thresholds", "engine_for", "models_dir", "suggest"]
