"""Catalogue versions: every change to the catalogue, departments or gazetteer becomes a numbered version
(who, when, how, a summary) with one row per thing added, changed or removed (its fields before and after)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.org.auth import Actor
from ticketing.org.models import CatalogueChange, CatalogueVersion

ENTITY_ZH = {"class": "大类", "matter": "事项", "department": "单位", "place": "地名", "rule": "派单规则"}
FIELD_ZH = {"code": "编码", "name": "名称", "class_code": "大类编码", "class_name": "大类名称", "responsible": "责任单位",
            "emergency": "紧急服务", "keywords": "关键词", "level": "层级", "parent": "上级", "district": "区域",
            "kind": "类型", "parent_code": "上级地名", "aliases": "别名", "active": "启用", "category": "分类",
            "department": "主办单位"}
ACTION_ZH = {"added": "新增", "changed": "修改", "removed": "停用或删除"}


@dataclass
class Changes:
    """Collects the rows of one version; `compare` records a row only when something differs."""

    rows: list[tuple[str, str, str, dict | None, dict | None]] = field(default_factory=list)

    def compare(self, entity: str, code: str, before: Mapping | None, after: Mapping | None) -> None:
        before = dict(before) if before is not None else None
        after = dict(after) if after is not None else None
        if before == after:
            return
        action = "added" if before is None else "removed" if after is None else "changed"
        self.rows.append((entity, code, action, before, after))

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r[2] == action)

    def summary(self) -> str:
        parts = []
        for entity, zh in ENTITY_ZH.items():
            counts = [f"{ACTION_ZH[a]} {n}" for a in ACTION_ZH if (n := sum(1 for r in self.rows
                                                                            if r[0] == entity and r[2] == a))]
            if counts:
                parts.append(f"{zh}：" + "，".join(counts))
        return "；".join(parts) or "无变化"

    def __bool__(self) -> bool:
        return bool(self.rows)


def latest_number(session: Session) -> int:
    return session.scalar(select(func.max(CatalogueVersion.number))) or 0


def record(session: Session, *, actor: Actor, source: str, changes: Changes,
           note: str | None = None) -> CatalogueVersion | None:
    """Write the version and its rows (nothing when nothing changed). The caller commits."""
    if not changes:
        return None
    summary = changes.summary() if not note else f"{note}：{changes.summary()}"
    version = CatalogueVersion(number=latest_number(session) + 1, actor_id=actor.id, actor_name=actor.name,
                               source=source, summary=summary[:500], added=changes.count("added"),
                               changed=changes.count("changed"), removed=changes.count("removed"))
    session.add(version)
    session.flush()
    session.add_all(CatalogueChange(version_id=version.id, entity=entity, code=code[:200], action=action,
                                    before=_json(before), after=_json(after))
                    for entity, code, action, before, after in changes.rows)
    session.flush()
    return version


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def list_versions(session: Session, *, limit: int = 50, offset: int = 0) -> Sequence[CatalogueVersion]:
    return session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.number.desc())
                           .limit(limit).offset(offset)).all()


def get_version(session: Session, *, number: int) -> CatalogueVersion | None:
    return session.scalars(select(CatalogueVersion).where(CatalogueVersion.number == number)).first()


def version_changes(session: Session, *, version_id: int, limit: int = 1000) -> Sequence[CatalogueChange]:
    return session.scalars(select(CatalogueChange).where(CatalogueChange.version_id == version_id)
                           .order_by(CatalogueChange.id).limit(limit)).all()


def row_history(session: Session, *, entity: str, code: str, limit: int = 50) -> list[tuple[CatalogueVersion,
                                                                                          CatalogueChange]]:
    """Every version that touched one row, newest first."""
    return [tuple(r) for r in session.execute(
        select(CatalogueVersion, CatalogueChange).join(CatalogueChange, CatalogueChange.version_id == CatalogueVersion.id)
        .where(CatalogueChange.entity == entity, CatalogueChange.code == code)
        .order_by(CatalogueVersion.number.desc()).limit(limit)).all()]


def decoded(value: str | None) -> dict | None:
    return None if value is None else json.loads(value)
