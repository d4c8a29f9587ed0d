"""Where a case happened, for the 受理 form's district/street picker and for showing a district code in words:
the gazetteer (地名库, table `places`) when it holds districts, else the departments' districts and streets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.org import service as org
from ticketing.org.models import Place as PlaceRow


@dataclass(frozen=True)
class Place:
    code: str  # the district code stored on the case (Ticket.district), e.g. "chaoyang"
    name: str  # 朝阳区
    streets: list[str] = field(default_factory=list)  # 望京街道, …


def place_options(session: Session) -> list[Place]:
    """Districts with their streets, from the gazetteer; an install without one uses its departments."""
    return _gazetteer_places(session) or _department_places(session)


def _gazetteer_places(session: Session) -> list[Place]:
    rows = session.scalars(select(PlaceRow).where(PlaceRow.active.is_(True),
                                                  PlaceRow.kind.in_(("district", "street")))
                           .order_by(PlaceRow.id)).all()
    streets: dict[str, list[str]] = {}
    for row in rows:
        if row.kind == "street" and row.parent_code:
            streets.setdefault(row.parent_code, []).append(row.name)
    return [Place(code=r.code, name=r.name, streets=streets.get(r.code, [])) for r in rows if r.kind == "district"]


def _department_places(session: Session) -> list[Place]:
    """Every active district-level department that names an area code, with the street-level ones under it."""
    departments = org.list_departments(session)
    streets: dict[int, list[str]] = {}
    for d in departments:
        if d.level == "street" and d.parent_id is not None:
            streets.setdefault(d.parent_id, []).append(d.name)
    places: dict[str, Place] = {}
    for d in departments:
        if d.level == "district" and d.district and d.district not in places:
            places[d.district] = Place(code=d.district, name=d.name, streets=streets.get(d.id, []))
    return list(places.values())


def district_names(session: Session) -> dict[str, str]:
    """Area code → district name (朝阳区), for showing a stored district code in words."""
    names = {p.code: p.name for p in _department_places(session)}
    return names | {p.code: p.name for p in _gazetteer_places(session)}
