"""When a SIP worker dies, the calls it was carrying are closed as lost (never left "active" forever).

Called by the supervisor when a worker process exits, and by a worker when it starts (covers a
supervisor that was killed together with its workers)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.context import AppContext
from hotline.database import utcnow
from telephony.models import Call


def mark_worker_calls_lost(ctx: AppContext, *, worker: str, reason: str = "the SIP worker stopped") -> int:
    """Close every still-active call of `worker` as lost (logged, no recording); a call whose recording was
    already handed to processing (`call_recorded`) but whose end never came only gets its end (outcome
    lost) — its status and processing stay untouched. Returns how many calls were closed."""
    now = utcnow()
    with ctx.sessions() as session:
        calls = list(session.scalars(
            select(Call).where(Call.worker == worker, Call.ended_at.is_(None)).with_for_update()))
        for call in calls:
            call.outcome = "lost"
            call.ended_at = now
            if call.status != "active":
                continue
            call.status = "logged"
            call.error = f"{reason} ({worker})"
            call.transcript_status = "empty"
        session.commit()
    return len(calls)
