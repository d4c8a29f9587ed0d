"""Database side of the catalogue files: the current rows (for export and diffing) and applying checked rows.

Applying is idempotent: a row equal to what the database holds changes nothing, so importing the same
file twice records one version, not two. The file is the whole catalogue / gazetteer: matters, classes and
places it no longer lists are deactivated (never deleted — tickets refer to them). Departments are only
added or updated (they have users and cases; deactivate one in 系统管理 → 单位)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.org import versions
from ticketing.org.catalogue_files import LOCAL, Known, Table
from ticketing.org.models import Category, Department, DispatchRule, Place

LOCAL_CODE = {level: code for code, level in LOCAL.items()}


def known(session: Session) -> Known:
    return Known(departments=dict(session.execute(select(Department.code, Department.level)).all()),
                 places=dict(session.execute(select(Place.code, Place.kind)).all()))


# --- current rows ----------------------------------------------------------------------------------


def department_rows(session: Session) -> list[dict[str, str]]:
    depts = session.scalars(select(Department).order_by(Department.id)).all()
    codes = {d.id: d.code for d in depts}
    return [{"code": d.code, "name": d.name, "level": d.level, "parent": codes.get(d.parent_id, ""),
             "district": d.district or ""} for d in depts if d.active]


def place_rows(session: Session) -> list[dict[str, str]]:
    return [{"kind": p.kind, "code": p.code, "name": p.name, "parent_code": p.parent_code or "",
             "aliases": p.aliases or ""}
            for p in session.scalars(select(Place).where(Place.active.is_(True)).order_by(Place.id))]


def catalogue_rows(session: Session) -> list[dict[str, str]]:
    """Active matters with their class (the root of their tree) and responsible unit."""
    cats = {c.id: c for c in session.scalars(select(Category).order_by(Category.id))}
    depts = dict(session.execute(select(Department.id, Department.code)).all())
    leads = {cid: depts.get(did) for cid, did in session.execute(
        select(DispatchRule.category_id, DispatchRule.department_id).where(DispatchRule.district.is_(None)))}
    rows = []
    for cat in cats.values():
        if not cat.active or cat.parent_id is None:
            continue
        root, steps = cat, 0
        while root.parent_id is not None and root.parent_id in cats and steps < 64:
            root, steps = cats[root.parent_id], steps + 1
        responsible = LOCAL_CODE.get(cat.local_level or "") or leads.get(cat.id) or ""
        rows.append({"code": cat.code, "name": cat.name, "class_code": root.code, "class_name": root.name,
                     "responsible": responsible, "emergency": cat.emergency or "", "keywords": cat.keywords or ""})
    return rows


ROWS = {"catalogue": catalogue_rows, "departments": department_rows, "gazetteer": place_rows}


def current(session: Session, kind: str) -> list[dict[str, str]]:
    return ROWS[kind](session)


# --- applying --------------------------------------------------------------------------------------


def apply(session: Session, table: Table, changes: versions.Changes) -> None:
    {"catalogue": _apply_catalogue, "departments": _apply_departments, "gazetteer": _apply_places}[table.kind](
        session, table.rows, changes)
    session.flush()


def _apply_departments(session: Session, rows: list[dict[str, str]], changes: versions.Changes) -> None:
    before = {r["code"]: r for r in department_rows(session)}
    by_code = {d.code: d for d in session.scalars(select(Department))}
    pending = list(rows)
    while pending:  # parents first, whatever the file's order (cycles were refused by the check)
        ready = [r for r in pending if not r["parent"] or r["parent"] in by_code]
        if not ready:
            ready = pending[:1]
        for row in ready:
            pending.remove(row)
            dept = by_code.get(row["code"])
            parent = by_code.get(row["parent"]) if row["parent"] else None
            if dept is None:
                dept = Department(code=row["code"], active=True)
                session.add(dept)
                by_code[row["code"]] = dept
            dept.name, dept.level, dept.district = row["name"], row["level"], row["district"] or None
            dept.parent_id = parent.id if parent is not None else None
            dept.active = True
            session.flush()
            changes.compare("department", row["code"], before.get(row["code"]), row)


def _apply_places(session: Session, rows: list[dict[str, str]], changes: versions.Changes) -> None:
    before = {r["code"]: r for r in place_rows(session)}
    by_code = {p.code: p for p in session.scalars(select(Place))}
    for row in rows:
        place = by_code.get(row["code"])
        if place is None:
            place = Place(code=row["code"])
            session.add(place)
            by_code[row["code"]] = place
        place.kind, place.name = row["kind"], row["name"]
        place.parent_code = row["parent_code"] or None
        place.aliases = " ".join(row["aliases"].split())
        place.active = True
        changes.compare("place", row["code"], before.get(row["code"]), {**row, "aliases": place.aliases})
    listed = {r["code"] for r in rows}
    for code, row in before.items():
        if code not in listed:
            by_code[code].active = False
            changes.compare("place", code, row, None)


def _apply_catalogue(session: Session, rows: list[dict[str, str]], changes: versions.Changes) -> None:
    before_matters = {r["code"]: r for r in catalogue_rows(session)}
    cats = {c.code: c for c in session.scalars(select(Category))}
    before_classes = {c.code: {"code": c.code, "name": c.name} for c in cats.values()
                      if c.active and c.parent_id is None}
    depts = dict(session.execute(select(Department.code, Department.id)).all())
    classes: dict[str, Category] = {}
    for row in rows:
        code = row["class_code"]
        if code in classes:
            continue
        cls = cats.get(code) or Category(code=code)
        if cls.id is None:
            session.add(cls)
            cats[code] = cls
        cls.name, cls.parent_id, cls.active, cls.local_level, cls.emergency = row["class_name"], None, True, None, None
        classes[code] = cls
        changes.compare("class", code, before_classes.get(code), {"code": code, "name": row["class_name"]})
    session.flush()
    rules = {r.category_id: r for r in session.scalars(select(DispatchRule).where(DispatchRule.district.is_(None)))}
    for row in rows:
        cat = cats.get(row["code"]) or Category(code=row["code"])
        if cat.id is None:
            session.add(cat)
            cats[row["code"]] = cat
        cat.name, cat.parent_id, cat.active = row["name"], classes[row["class_code"]].id, True
        cat.local_level = LOCAL.get(row["responsible"])
        cat.emergency = row["emergency"] or None
        cat.keywords = " ".join(row["keywords"].split())
        session.flush()
        rule = rules.get(cat.id)
        if cat.local_level is None:
            if rule is None:
                session.add(DispatchRule(category_id=cat.id, district=None, department_id=depts[row["responsible"]]))
            else:
                rule.department_id = depts[row["responsible"]]
        elif rule is not None:
            session.delete(rule)
        changes.compare("matter", row["code"], before_matters.get(row["code"]), {**row, "keywords": cat.keywords})
    listed = {r["code"] for r in rows} | set(classes)
    # Deactivate what the file no longer lists, leaves first (a class is kept while a listed matter is under it).
    for cat in sorted(cats.values(), key=lambda c: c.parent_id is None):
        if cat.active and cat.code not in listed:
            cat.active = False
            entity = "class" if cat.parent_id is None else "matter"
            was = before_classes.get(cat.code) if entity == "class" else before_matters.get(cat.code)
            changes.compare(entity, cat.code, was or {"code": cat.code, "name": cat.name}, None)


def import_tables(session: Session, tables: Iterable[Table], changes: versions.Changes) -> None:
    for table in tables:
        apply(session, table, changes)
