"""Where a case happened, for the 受理 form's district/street picker. Read through `place_options` only, so the
source (today the departments' districts and streets; later a gazetteer) can be swapped in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ticketing.org import service as org


@dataclass(frozen=True)
class Place:
    code: str  # the district code stored on the case (Ticket.district), e.g. "chaoyang"
    name: str  # 朝阳区
    streets: list[str] = field(default_factory=list)  # 望京街道, …


def place_options(session: Session) -> list[Place]:
    """Districts with their streets: every active district-level department that names an area code, and
    the active street-level departments under it."""
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
    return {p.code: p.name for p in place_options(session)}
