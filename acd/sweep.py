"""Beat's ACD sweep: routing timers from timestamps (ring no-answer, wrap-up end, max wait), then today's
and yesterday's daily figures (so the row of a day is final after midnight)."""

from __future__ import annotations

from datetime import timedelta

from acd import flows, stats
from hotline.context import AppContext
from hotline.database import utcnow


def sweep(ctx: AppContext, *, now=None) -> dict:
    now = now or utcnow()
    actions = flows.tick(ctx, now=now)
    today = now.astimezone(ctx.settings.tz).date()
    for day in (today - timedelta(days=1), today):
        stats.store_daily(ctx, day=day)
    return {"actions": len(actions)}
