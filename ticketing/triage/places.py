"""The gazetteer of the database as a `Gazetteer` value, cached per process and reloaded on change.

Writes by this process to `places` are seen at once (`ticketing.tablewatch`); writes by other processes
within `max_age` seconds (callers pass settings.catalogue_cache_seconds)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing import tablewatch
from ticketing.org.models import Place
from ticketing.triage.gazetteer import Gazetteer
from ticketing.triage.gazetteer import Place as PlaceValue

_TABLES = (Place.__tablename__,)
tablewatch.watch(*_TABLES)
_cache: dict[str, tuple[float, tuple[int, ...], Gazetteer]] = {}
_lock = threading.Lock()


def load(session: Session) -> Gazetteer:
    """The active places, read now."""
    rows = session.execute(select(Place.kind, Place.code, Place.name, Place.parent_code, Place.aliases)
                           .where(Place.active.is_(True)).order_by(Place.id)).all()
    return Gazetteer(tuple(PlaceValue(kind=k, code=c, name=n, parent_code=p, aliases=tuple((a or "").split()))
                           for k, c, n, p, a in rows))


def gazetteer(session: Session, *, max_age: float) -> Gazetteer:
    """The cached gazetteer of the session's database (reloaded after a write here, or after `max_age` s)."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    stamp = tablewatch.generation(*_TABLES)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[1] == stamp and now - hit[0] <= max_age:
        return hit[2]
    value = load(session)
    with _lock:
        _cache[key] = (now, stamp, value)
    return value
