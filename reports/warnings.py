"""Hot topics and early warning: cases per matter × area in a rolling window against a Poisson baseline of the
same window (same weekday and hour) in past weeks; a spike, or many different callers on one matter at one address
(群体性), becomes an alert naming matter, area and cases, which a supervisor can hand to a unit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.errors import Conflict, NotFound, ValidationFailed
from reports import service
from reports.models import Alert, AlertHandoff
from ticketing import reports as tr
from ticketing.org.auth import Actor
from ticketing.org.models import Department

Key = tuple[int | None, str]  # (category_id, area)
MAX_CASES = 50
PRIOR = 0.5  # cases added to an empty baseline, so a first-ever count is judged against a small rate, not zero


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), summed in log space (stable for large k and lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_terms = [-lam + i * math.log(lam) - math.lgamma(i + 1) for i in range(k)]
    top = max(log_terms)
    below = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class Spike:
    key: Key
    observed: int
    expected: float
    p: float


def detect(current: dict[Key, int], baselines: list[dict[Key, int]], *, p_value: float,
           min_cases: int) -> list[Spike]:
    """Keys whose count is improbably high for their baseline (mean over the baseline windows), biggest first."""
    weeks = max(1, len(baselines))
    spikes = []
    for key, observed in current.items():
        if observed < min_cases:
            continue
        expected = (sum(b.get(key, 0) for b in baselines) + PRIOR) / weeks
        p = poisson_tail(observed, expected)
        if p < p_value:
            spikes.append(Spike(key, observed, round(expected, 2), p))
    return sorted(spikes, key=lambda s: (s.p, -s.observed))


def _window(session: Session, s, end: datetime) -> tuple[datetime, dict[Key, int], list[dict[Key, int]]]:
    start = end - timedelta(hours=s.warning_window_hours)
    current = service.matter_area_counts(session, start=start, end=end)
    baselines = [service.matter_area_counts(session, start=start - timedelta(weeks=k), end=end - timedelta(weeks=k))
                 for k in range(1, s.warning_baseline_weeks + 1)]
    return start, current, baselines


def hot_topics(ctx: AppContext, *, actor: Actor, end: datetime, limit: int = 20) -> list[dict]:
    """热点: the matter × area pairs with most cases in the window ending at `end`, with their baseline."""
    actor.require(*tr.REPORT_ROLES)
    s = ctx.settings
    with ctx.reader() as session:
        _, current, baselines = _window(session, s, end)
        names = service.category_names(session)
        areas = service.area_names(session)
    weeks = max(1, len(baselines))
    top = sorted(current.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0] or 0))[:limit]
    return [{"matter": names.get(c, "未分类") if c is not None else "未分类", "district": d,
             "area": areas.get(d, d) if d else "未填区域", "cases": n,
             "expected": round(sum(b.get((c, d), 0) for b in baselines) / weeks, 1)} for (c, d), n in top]


def scan(ctx: AppContext, *, end: datetime) -> dict[str, int]:
    """Look at the window ending at `end`; record new alerts (an open alert on the same matter and area whose
    window overlaps is brought up to date instead). Returns how many of each kind were raised or updated."""
    s = ctx.settings
    with ctx.sessions() as session:
        start, current, baselines = _window(session, s, end)
        spikes = detect(current, baselines, p_value=s.warning_p_value, min_cases=s.warning_min_cases)
        groups = service.place_callers(session, start=start, end=end, min_callers=s.warning_group_callers)
        names = service.category_names(session)
        counts = {"spike": 0, "group": 0}
        for spike in spikes:
            _record(session, "spike", spike.key, start, end, spike.observed, f"{spike.expected:g}",
                    names, callers=0)
            counts["spike"] += 1
        for (category_id, area, place), (callers, cases) in groups.items():
            _record(session, "group", (category_id, area), start, end, cases, "", names, callers=callers,
                    place=place)
            counts["group"] += 1
        session.commit()
    return counts


def _record(session: Session, kind: str, key: Key, start: datetime, end: datetime, observed: int,
            expected: str, names: dict[int, str], *, callers: int, place: str = "") -> None:
    category_id, area = key
    cases = service.cases_of(session, category_id=category_id, district=area, start=start, end=end,
                             limit=MAX_CASES, place=place)
    cat = Alert.category_id.is_(None) if category_id is None else Alert.category_id == category_id
    existing = session.scalars(select(Alert).where(Alert.kind == kind, cat, Alert.district == area,
                                                   Alert.place == place, Alert.status == "open",
                                                   Alert.window_end > start)
                               .order_by(Alert.id.desc()).limit(1)).first()
    if existing is not None:
        if end > existing.window_end:
            existing.window_end, existing.observed = end, max(existing.observed, observed)
            existing.callers = max(existing.callers, callers)
            existing.case_numbers = list(dict.fromkeys([*existing.case_numbers, *cases]))[:MAX_CASES]
        return
    session.add(Alert(kind=kind, category_id=category_id, matter=names.get(category_id, "未分类"),
                      district=area, place=place, window_start=start, window_end=end, observed=observed, expected=expected,
                      callers=callers, case_numbers=cases))
    session.flush()


def alerts(ctx: AppContext, *, actor: Actor, status: str | None = "open", limit: int = 100) -> list[dict]:
    actor.require(*tr.REPORT_ROLES)
    with ctx.reader() as session:
        stmt = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Alert.status == status)
        rows = list(session.scalars(stmt))
        handoffs: dict[int, list[dict]] = {}
        if rows:
            for h in session.scalars(select(AlertHandoff).where(AlertHandoff.alert_id.in_([a.id for a in rows]))
                                     .order_by(AlertHandoff.id)):
                handoffs.setdefault(h.alert_id, []).append(
                    {"unit": h.unit, "note": h.note, "by": h.actor_name, "at": h.at.isoformat()})
        return [{"id": a.id, "kind": a.kind, "matter": a.matter, "district": a.district, "place": a.place,
                 "window_start": a.window_start.isoformat(), "window_end": a.window_end.isoformat(),
                 "observed": a.observed, "expected": a.expected, "callers": a.callers, "cases": a.case_numbers,
                 "status": a.status, "handoffs": handoffs.get(a.id, [])} for a in rows]


def units(ctx: AppContext) -> list[str]:
    """Units a warning can go to: the configured ones (信访, 公安…) and every active street."""
    with ctx.reader() as session:
        streets = list(session.scalars(select(Department.name).where(Department.level == "street",
                                                                     Department.active.is_(True))
                                       .order_by(Department.name)))
    return [*ctx.settings.warning_units, *streets]


def hand_off(ctx: AppContext, *, alert_id: int, unit: str, note: str | None, actor: Actor) -> int:
    """Send the warning to a unit; recorded with who sent it and when. The alert counts as handed off."""
    actor.require(*tr.REPORT_ROLES)
    unit = (unit or "").strip()
    if unit not in units(ctx):
        raise ValidationFailed(f"unknown unit {unit!r}", field="unit")
    if note and len(note) > ctx.settings.max_note_chars:
        raise ValidationFailed("note too long", field="note")
    with ctx.sessions() as session:
        alert = session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"alert {alert_id} not found")
        if alert.status == "dismissed":
            raise Conflict(f"alert {alert_id} was dismissed")
        department = session.scalars(select(Department.id).where(Department.name == unit)).first()
        handoff = AlertHandoff(alert_id=alert_id, unit=unit, department_id=department, note=note or None,
                               actor_id=actor.id, actor_name=actor.name)
        session.add(handoff)
        alert.status = "handed_off"
        session.commit()
        return handoff.id


def dismiss(ctx: AppContext, *, alert_id: int, actor: Actor) -> None:
    actor.require(*tr.REPORT_ROLES)
    with ctx.sessions() as session:
        alert = session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"alert {alert_id} not found")
        alert.status = "dismissed"
        session.commit()


def open_count(ctx: AppContext) -> int:
    with ctx.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "open")) or 0)

