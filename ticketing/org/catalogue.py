"""Dispatch catalogue (派单目录): category × area → lead department, and the suggestion walk.

Imports models only (not `service`), so `service` can re-export these functions without an import cycle."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.errors import Conflict, NotFound, ValidationFailed
from ticketing import tablewatch
from ticketing.org.models import Category, Department, DispatchRule

MAX_CATEGORY_DEPTH = 64  # guards the upward walk against a corrupted (cyclic) tree


def _norm_district(district: str | None) -> str | None:
    if district is None:
        return None
    return district.strip() or None


def get_dispatch_rule(session: Session, *, rule_id: int) -> DispatchRule:
    rule = session.get(DispatchRule, rule_id)
    if rule is None:
        raise NotFound(f"dispatch rule {rule_id} not found", rule_id=rule_id)
    return rule


def list_dispatch_rules(session: Session, *, category_id: int | None = None, department_id: int | None = None,
                        limit: int = 200, offset: int = 0) -> Sequence[DispatchRule]:
    stmt = select(DispatchRule).order_by(DispatchRule.category_id, DispatchRule.district.is_not(None),
                                         DispatchRule.district, DispatchRule.id)
    if category_id is not None:
        stmt = stmt.where(DispatchRule.category_id == category_id)
    if department_id is not None:
        stmt = stmt.where(DispatchRule.department_id == department_id)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


def _check_rule(session: Session, *, rule_id: int | None, category_id: int, district: str | None,
                department_id: int) -> None:
    category = session.get(Category, category_id)
    if category is None or not category.active:
        raise ValidationFailed(f"category {category_id} does not exist or is inactive", field="category_id")
    dept = session.get(Department, department_id)
    if dept is None or not dept.active:
        raise ValidationFailed(f"department {department_id} does not exist or is inactive",
                               field="department_id")
    # Checked here because a UNIQUE constraint lets several NULL districts through on PostgreSQL.
    same = select(DispatchRule.id).where(
        DispatchRule.category_id == category_id,
        DispatchRule.district.is_(None) if district is None else DispatchRule.district == district)
    if rule_id is not None:
        same = same.where(DispatchRule.id != rule_id)
    existing = session.scalars(same).first()
    if existing is not None:
        area = "any district" if district is None else f"district {district}"
        raise Conflict(f"category {category.code} already has a rule for {area}", existing_id=existing)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("a rule for this category and district already exists") from exc


def create_dispatch_rule(session: Session, *, category_id: int, district: str | None,
                         department_id: int) -> DispatchRule:
    district = _norm_district(district)
    _check_rule(session, rule_id=None, category_id=category_id, district=district, department_id=department_id)
    rule = DispatchRule(category_id=category_id, district=district, department_id=department_id)
    session.add(rule)
    _flush(session)
    return rule


def update_dispatch_rule(session: Session, *, rule_id: int, changes: dict) -> DispatchRule:
    """Apply `district` and/or `department_id` from `changes`."""
    rule = get_dispatch_rule(session, rule_id=rule_id)
    district = _norm_district(changes["district"]) if "district" in changes else rule.district
    department_id = changes.get("department_id") or rule.department_id
    _check_rule(session, rule_id=rule.id, category_id=rule.category_id, district=district,
                department_id=department_id)
    rule.district, rule.department_id = district, department_id
    _flush(session)
    return rule


def delete_dispatch_rule(session: Session, *, rule_id: int) -> None:
    session.delete(get_dispatch_rule(session, rule_id=rule_id))
    session.flush()


def local_unit(session: Session, *, level: str, district: str | None,
               street: str | None) -> Department | None:
    """The 属地 unit for a place: the street office whose code is the street's gazetteer code (level
    "street" with a known street), else the district government serving the district."""
    if level == "street" and street:
        dept = session.scalars(select(Department).where(
            Department.code == street, Department.level == "street", Department.active.is_(True))).first()
        if dept is not None:
            return dept
    if district:
        return session.scalars(select(Department).where(
            Department.district == district, Department.level == "district", Department.active.is_(True))
            .order_by(Department.id)).first()
    return None


def _local_reason(category_name: str, dept_name: str, level: str) -> str:
    where = "street" if level == "street" else "district"
    return f"catalogue: category {category_name} goes to the {where} where it happens (属地): {dept_name}"


def suggest_department(session: Session, *, category_id: int | None, district: str | None,
                       street: str | None = None) -> tuple[Department, str] | None:
    """The lead department the catalogue names for a case, with the reason.

    Walks from the category up to the root; at each step a rule for the case's district beats the
    category's 属地 level (the street office or district government where it happens, `local_unit`), which
    beats the category's any-district rule. Rules naming an inactive department are skipped. None if
    nothing matches (or the category is unknown, or a 属地 matter has no known place)."""
    if category_id is None:
        return None
    district = _norm_district(district)
    path: list[Category] = []
    node = session.get(Category, category_id)
    while node is not None and len(path) < MAX_CATEGORY_DEPTH:
        path.append(node)
        node = session.get(Category, node.parent_id) if node.parent_id is not None else None
    if not path:
        return None
    area = DispatchRule.district.is_(None)
    if district is not None:
        area = or_(area, DispatchRule.district == district)
    rows = session.execute(
        select(DispatchRule, Department).join(Department, Department.id == DispatchRule.department_id)
        .where(DispatchRule.category_id.in_([c.id for c in path]), area, Department.active.is_(True))
    ).all()
    found = {(rule.category_id, rule.district): dept for rule, dept in rows}
    asked = path[0]
    for category in path:
        inherited = "" if category is asked else f" (inherited by {asked.name})"
        if district is not None and (category.id, district) in found:
            return found[(category.id, district)], \
                f"catalogue: category {category.name} in district {district}{inherited}"
        if category.local_level:
            unit = local_unit(session, level=category.local_level, district=district, street=street)
            if unit is not None:
                return unit, _local_reason(category.name, unit.name, category.local_level) + inherited
        if (category.id, None) in found:
            return found[(category.id, None)], f"catalogue default for category {category.name}{inherited}"
    return None


# --- per-process cache for the flows' hot path ----------------------------------------------------
# Triage and dispatch check a category, the departments and the catalogue on every call. They read a
# snapshot of the three small tables instead, kept per database while this process has not written any of
# them (`ticketing.tablewatch`) and for at most `max_age` seconds (settings.catalogue_cache_seconds): edits
# made by other processes show up within that time. An id the snapshot does not know forces one reload, so
# a category or department created elsewhere a moment ago is never refused.

_TABLES = (Category.__tablename__, Department.__tablename__, DispatchRule.__tablename__)
tablewatch.watch(*_TABLES)
_snapshots: dict[str, tuple[float, tuple[int, ...], Snapshot]] = {}
_snap_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    categories: dict[int, tuple[int | None, bool, str]]  # id -> (parent_id, active, name)
    departments: dict[int, bool]  # id -> active
    rules: dict[tuple[int, str | None], int]  # (category_id, district or None) -> department_id
    local_levels: dict[int, str]  # category id -> "district" | "street" (属地 matters only)
    local_units: dict[tuple[str, str], tuple[int, str]]  # ("street", code) / ("district", area) -> (id, name)


def _load_snapshot(session: Session) -> Snapshot:
    categories, local_levels = {}, {}
    for cid, parent, active, name, level in session.execute(
            select(Category.id, Category.parent_id, Category.active, Category.name, Category.local_level)):
        categories[cid] = (parent, bool(active), name)
        if level:
            local_levels[cid] = level
    departments, local_units = {}, {}
    for did, active, code, level, district, name in session.execute(
            select(Department.id, Department.active, Department.code, Department.level, Department.district,
                   Department.name).order_by(Department.id)):
        departments[did] = bool(active)
        if active and level == "street":
            local_units[("street", code)] = (did, name)
        elif active and level == "district" and district:
            local_units.setdefault(("district", district), (did, name))
    rules = {(cid, district): did for cid, district, did in session.execute(
        select(DispatchRule.category_id, DispatchRule.district, DispatchRule.department_id))}
    return Snapshot(categories, departments, rules, local_levels, local_units)


def snapshot(session: Session, *, max_age: float, fresh: bool = False) -> Snapshot:
    """The cached categories, departments and dispatch rules of the session's database."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    stamp = tablewatch.generation(*_TABLES)
    now = time.monotonic()
    hit = _snapshots.get(key)
    if not fresh and hit is not None and hit[1] == stamp and now - hit[0] <= max_age:
        return hit[2]
    snap = _load_snapshot(session)
    with _snap_lock:
        _snapshots[key] = (now, stamp, snap)
    return snap


def check_category(session: Session, *, category_id: int, max_age: float) -> None:
    """NotFound unless the category exists and is active (what `service.get_category` checks)."""
    snap = snapshot(session, max_age=max_age)
    if category_id not in snap.categories:
        snap = snapshot(session, max_age=max_age, fresh=True)
    found = snap.categories.get(category_id)
    if found is None or not found[1]:
        raise NotFound(f"category {category_id} not found", category_id=category_id)


def check_departments(session: Session, *, department_ids: Sequence[int], max_age: float) -> None:
    """NotFound for the first department (in the given order) that is missing or inactive."""
    snap = snapshot(session, max_age=max_age)
    if any(d not in snap.departments for d in department_ids):
        snap = snapshot(session, max_age=max_age, fresh=True)
    for department_id in department_ids:
        if not snap.departments.get(department_id, False):
            raise NotFound(f"department {department_id} not found", department_id=department_id)


def suggest(session: Session, *, category_id: int | None, district: str | None,
            max_age: float, street: str | None = None) -> tuple[int, str] | None:
    """`suggest_department` on the cached snapshot: (department id, reason) or None."""
    if category_id is None:
        return None
    snap = snapshot(session, max_age=max_age)
    if category_id not in snap.categories:
        snap = snapshot(session, max_age=max_age, fresh=True)
    district = _norm_district(district)
    path: list[int] = []
    node = category_id if category_id in snap.categories else None
    while node is not None and len(path) < MAX_CATEGORY_DEPTH:
        path.append(node)
        node = snap.categories[node][0]
        node = node if node in snap.categories else None
    asked = path[0] if path else None
    for cid in path:
        name = snap.categories[cid][2]
        inherited = "" if cid == asked else f" (inherited by {snap.categories[asked][2]})"
        if district is not None:
            dept = snap.rules.get((cid, district))
            if dept is not None and snap.departments.get(dept, False):
                return dept, f"catalogue: category {name} in district {district}{inherited}"
        level = snap.local_levels.get(cid)
        if level:
            unit = snap.local_units.get(("street", street)) if level == "street" and street else None
            unit = unit or (snap.local_units.get(("district", district)) if district else None)
            if unit is not None:
                return unit[0], _local_reason(name, unit[1], level) + inherited
        dept = snap.rules.get((cid, None))
        if dept is not None and snap.departments.get(dept, False):
            return dept, f"catalogue default for category {name}{inherited}"
    return None
