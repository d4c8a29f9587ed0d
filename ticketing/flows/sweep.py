"""The deadline sweep Celery beat runs: recompute lights (of the limit next due) and raise each overdue
event exactly once per limit, naming the limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from ticketing import service
from ticketing.deadlines.signals import case_light, next_limit
from ticketing.enums import Light
from ticketing.flows.common import assign, clock, run, transition
from ticketing.org.auth import Actor

BATCH = 500
SWEEPER = Actor.system("deadline sweep")


def sweep_lights(ctx: AppContext, *, now: datetime | None = None) -> dict[str, int]:
    """Idempotent: a second run at the same moment finds nothing to do. A missed tick only delays a change."""
    now = now or utcnow()
    yellow = timedelta(hours=ctx.settings.yellow_hours)
    counts = {"yellow": 0, "red": 0}
    the_clock = clock(ctx, now)

    def batch(session: Session) -> int:
        tickets = service.tickets_needing_light(session, now=now, yellow=yellow, batch=BATCH,
                                                yellow_share=ctx.settings.yellow_share)
        for ticket in tickets:
            light = case_light(ticket, the_clock)
            if light == Light.RED:
                changes = assign(ticket, light=light.value, overdue_raised=True)
                changes["limit"] = [None, next_limit(ticket)]
                transition(session, ticket, SWEEPER, "overdue", changes=changes)
            else:
                transition(session, ticket, SWEEPER, "light", changes=assign(ticket, light=light.value))
            counts[light.value] += 1
        return len(tickets)

    while run(ctx, batch) == BATCH:
        pass
    return counts
