"""Queue figures: offered / answered / abandoned, service level, 接通率, ASA, AHT, longest wait, agents by
state; and the daily row stored for reports (idempotent: recomputed from the queue calls each sweep).

Definitions (common contact-centre practice): service level = answered within T s ÷ offered, abandons
included; 接通率 (answer_rate) = answered ÷ offered; ASA = queue wait of answered calls ÷ answered; AHT =
(talk + wrap-up) ÷ handled calls (ended ones)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from acd import service
from acd.models import DailyStats
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.settings import Settings

ALL_STATES = ("available", "ringing", "on_call", "wrap_up", "on_break", "logged_out")


def day_bounds(day: date, settings: Settings) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=settings.tz)
    return start, start + timedelta(days=1)


def figures(totals: dict) -> dict:
    offered, answered, within = int(totals["offered"]), int(totals["answered"]), int(totals["answered_within"])
    asa, aht = totals["asa"], totals["aht"]
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": int(totals["abandoned"]),
        "left_message": int(totals["left_message"]),
        "answered_within": within,
        "service_level": round(within / offered, 4) if offered else None,
        "answer_rate": round(answered / offered, 4) if offered else None,
        "asa_seconds": round(float(asa), 1) if asa is not None else None,
        "aht_seconds": round(float(aht), 1) if aht is not None else None,
    }


def stats(ctx: AppContext, *, now: datetime | None = None) -> dict:
    """Today's figures (local day) and the queue right now."""
    now = now or utcnow()
    settings = ctx.settings
    day = now.astimezone(settings.tz).date()
    start, end = day_bounds(day, settings)
    with ctx.reader() as session:
        totals = service.queue_totals(session, start=start, end=end, threshold=settings.acd_service_level_seconds)
        oldest = service.oldest_waiting(session)
        waiting = service.waiting_count(session)
        states = service.agents_by_state(session)
    longest = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return {
        "day": day.isoformat(),
        **figures(totals),
        "service_level_seconds": settings.acd_service_level_seconds,
        "waiting": waiting,
        "longest_wait_seconds": round(longest, 1),
        "agents_by_state": {state: states.get(state, 0) for state in ALL_STATES},
        "as_of": now.isoformat(),
    }


def store_daily(ctx: AppContext, *, day: date) -> dict:
    """Write (or rewrite) the day's row from its queue calls: running it twice changes nothing."""
    settings = ctx.settings
    start, end = day_bounds(day, settings)
    with ctx.sessions() as session:
        service.lock_routing(session)  # two sweeps at once must not both insert the day's row
        result = figures(service.queue_totals(session, start=start, end=end,
                                              threshold=settings.acd_service_level_seconds))
        row = service.daily_row(session, day=day) or DailyStats(day=day)
        for name in ("offered", "answered", "abandoned", "left_message", "answered_within", "asa_seconds",
                     "aht_seconds"):
            setattr(row, name, result[name])
        row.computed_at = utcnow()
        session.add(row)
        session.commit()
    return {"day": day.isoformat(), **result}


def daily(ctx: AppContext, *, start: date, end: date) -> list[dict]:
    with ctx.reader() as session:
        rows = service.daily_rows(session, start=start, end=end)
        return [{"day": r.day.isoformat(), "offered": r.offered, "answered": r.answered, "abandoned": r.abandoned,
                 "left_message": r.left_message, "answered_within": r.answered_within,
                 "service_level": round(r.answered_within / r.offered, 4) if r.offered else None,
                 "answer_rate": round(r.answered / r.offered, 4) if r.offered else None,
                 "asa_seconds": r.asa_seconds, "aht_seconds": r.aht_seconds} for r in rows]


def pause_seconds(ctx: AppContext, *, user_id: int, start: datetime, end: datetime) -> dict[str, float]:
    """Seconds the agent spent in each state in [start, end), from the state log (pause-time reports)."""
    with ctx.reader() as session:
        log = service.state_log(session, user_id=user_id, start=start, end=end)
    totals: Counter = Counter()
    for row, following in zip(log, [*log[1:], None], strict=True):
        begins = max(row.at, start)
        ends = min(following.at if following else end, end)
        if ends > begins:
            key = f"on_break:{row.reason}" if row.state == "on_break" and row.reason else row.state
            totals[key] += (ends - begins).total_seconds()
    return dict(totals)
