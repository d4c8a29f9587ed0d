"""The matter catalogue, departments and gazetteer as triage reads them from the packaged CSV files
(ticketing/org/data/), plus a small place finder used when the extraction module is not installed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "org" / "data"
LOCAL_DISTRICT = "local:district"
LOCAL_STREET = "local:street"


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    class_code: str
    class_name: str
    responsible: str  # a department code, LOCAL_DISTRICT or LOCAL_STREET
    emergency: str | None

    @property
    def local(self) -> bool:
        return self.responsible.startswith("local:")


@dataclass(frozen=True)
class Place:
    kind: str
    code: str
    name: str
    parent: str | None
    district: str  # district code it lies in
    street: str | None  # street code it lies in (None for a district or a district-wide road)


@dataclass(frozen=True)
class Catalogue:
    matters: dict[str, Matter]
    departments: dict[str, tuple[str, str, str | None]]  # code -> (name, level, district)
    places: dict[str, Place]
    names: tuple[tuple[str, str], ...]  # (spoken name or alias, place code), longest first
    offices: dict[tuple[str, str], str]  # (level, place code) -> department code of its government

    def office(self, matter: Matter, place: Place | None) -> str | None:
        """The department a 属地 matter goes to at `place` (district or street government), if known."""
        if place is None:
            return None
        if matter.responsible == LOCAL_STREET and place.street:
            found = self.offices.get(("street", place.street))
            if found:
                return found
        return self.offices.get(("district", place.district))

    def find_place(self, text: str) -> Place | None:
        """The most specific gazetteer place named in the text (longest name wins, then street over road)."""
        best: Place | None = None
        for name, code in self.names:
            if name in text:
                place = self.places[code]
                if best is None or (best.street is None and place.street is not None):
                    best = place
                if best.street is not None:
                    break
        return best


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=4)
def _load(folder: str, stamp: tuple) -> Catalogue:
    root = Path(folder)
    matters = {r["code"]: Matter(r["code"], r["name"], r["class_code"], r["class_name"], r["responsible"].strip(),
                                 (r.get("emergency") or "").strip() or None)
               for r in _rows(root / "catalogue.csv")}
    departments = {r["code"]: (r["name"], r["level"], r.get("district") or None)
                   for r in _rows(root / "departments.csv")}
    raw = {r["code"]: r for r in _rows(root / "gazetteer.csv")}
    places: dict[str, Place] = {}
    for code, r in raw.items():
        node, street, hops = r, None, 0
        while node["kind"] != "district" and node.get("parent_code") in raw and hops < 8:
            if node["kind"] == "street":
                street = node["code"]
            node, hops = raw[node["parent_code"]], hops + 1
        if node["kind"] == "street":
            street = node["code"]
        places[code] = Place(r["kind"], code, r["name"], r.get("parent_code") or None, node["code"], street)
    names = sorted(((n, code) for code, r in raw.items() for n in [r["name"], *(r.get("aliases") or "").split()]
                    if len(n) >= 2), key=lambda pair: -len(pair[0]))
    offices: dict[tuple[str, str], str] = {}
    street_names = {r["name"]: code for code, r in raw.items() if r["kind"] == "street"}
    for code, (name, level, district) in departments.items():
        if level == "district" and district:
            offices.setdefault(("district", district), code)
        elif level == "street":
            if code in places and places[code].kind == "street":
                offices.setdefault(("street", code), code)
            else:
                for street_name, street_code in street_names.items():
                    if name.startswith(street_name[:2]) and places[street_code].district == district:
                        offices.setdefault(("street", street_code), code)
    return Catalogue(matters, departments, places, tuple(names), offices)


def load(folder: Path | None = None) -> Catalogue:
    """The catalogue from `folder` (default: the packaged data), re-read when a file changes."""
    root = Path(folder or DATA)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(root.glob("*.csv")))
    return _load(str(root), stamp)


__all__ = ["LOCAL_DISTRICT", "LOCAL_STREET", "Catalogue", "Matter", "Place", "load"]
