"""The abuse sweep (Celery beat): expire due blacklist entries, check recent transcripts against the lexicon,
find nuisance call patterns and tie blocked attempts to their call rows (emergency calls go to review)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from abuse import service
from abuse.detector import CallFacts, detect, nuisance_callers
from abuse.flows import lexicon, record_automatic
from abuse.models import BlockedAttempt
from hotline.context import AppContext
from hotline.database import utcnow
from telephony.models import Call
from ticketing.org.auth import Actor


def sweep(ctx: AppContext, *, now: datetime | None = None) -> dict[str, int]:
    """Idempotent: a second run over the same rows changes nothing."""
    now = now or utcnow()
    return {"expired": expire_due(ctx, now=now), "lexicon": scan_transcripts(ctx, now=now),
            "nuisance": scan_patterns(ctx, now=now), "linked": link_attempts(ctx, now=now)}


def expire_due(ctx: AppContext, *, now: datetime) -> int:
    with ctx.sessions() as session:
        ids = service.due_entry_ids(session, now=now)
        for entry_id in ids:
            entry = service.get_entry(session, entry_id=entry_id, lock=True)
            if entry.status != "active":
                continue
            entry.status, entry.ended_at = "expired", now
            service.add_audit(session, caller=entry.caller, action="expired", actor_id=None,
                              actor_name=Actor.system("abuse-sweep").name, now=now, entry_id=entry.id,
                              reason=f"{entry.days} days served")
        session.commit()
        return len(ids)


def _recent_calls(session, *, since: datetime):
    stmt = (select(Call).where(Call.direction == "inbound", Call.ended_at.is_not(None), Call.ended_at >= since)
            .order_by(Call.id))
    return list(session.scalars(stmt))


def scan_transcripts(ctx: AppContext, *, now: datetime) -> int:
    """One lexicon incident per abusive transcript (keyed on the call)."""
    since = now - timedelta(hours=ctx.settings.abuse_scan_hours)
    lex, found = lexicon(ctx.settings), 0
    with ctx.sessions() as session:
        for call in _recent_calls(session, since=since):
            if not call.caller or not call.transcript:
                continue
            hit = detect(call.transcript, lex)
            if not hit.abusive or service.incident_for_call(session, call_id=call.id, source="lexicon"):
                continue
            record_automatic(session, ctx.settings, caller=call.caller, kind=hit.kind, source="lexicon",
                             now=now, call_id=call.id, recording_path=call.recording_path, excerpt=hit.excerpt,
                             evidence=hit.words)
            found += 1
        session.commit()
    return found


def scan_patterns(ctx: AppContext, *, now: datetime) -> int:
    """Many silent or immediately hung-up calls from one number in a local day → one 恶意占线 incident a day."""
    settings = ctx.settings
    since = now - timedelta(hours=settings.abuse_scan_hours)
    with ctx.sessions() as session:
        facts = [(c.id, CallFacts(caller=c.caller, started_at=c.started_at, answered=c.answered_at is not None,
                                  recording_seconds=c.recording_seconds or 0.0, transcript=c.transcript))
                 for c in _recent_calls(session, since=since)]
        found = 0
        for n in nuisance_callers(facts, per_day=settings.abuse_nuisance_calls_per_day,
                                  short_seconds=settings.abuse_nuisance_short_seconds, tz=settings.tz):
            if service.pattern_incident_exists(session, caller=n.caller, since=now - timedelta(days=1)):
                continue
            evidence = [f"{n.silent_calls} silent calls on {n.day}", *[f"call {i}" for i in n.call_ids[:20]]]
            record_automatic(session, settings, caller=n.caller, kind="line_tying", source="pattern", now=now,
                             call_id=n.call_ids[-1], evidence=evidence,
                             note=f"{n.silent_calls} calls without speech or hung up at once on {n.day}")
            found += 1
        session.commit()
        return found


def link_attempts(ctx: AppContext, *, now: datetime) -> int:
    """Tie each blocked attempt to the call the IVR logged; a pressed emergency key marks it for review."""
    since = now - timedelta(hours=ctx.settings.abuse_scan_hours)
    linked = 0
    with ctx.sessions() as session:
        for call in _recent_calls(session, since=since):
            if not call.caller or not call.ivr_path or call.ivr_path[0] != "blocked":
                continue
            known = session.scalars(select(BlockedAttempt).where(BlockedAttempt.call_id == call.id)).first()
            if known is not None:
                if known.ticket_number is None and call.ticket_number:
                    known.ticket_number = call.ticket_number   # the emergency recording became a ticket
                continue
            attempt = service.unlinked_attempt(session, caller=call.caller, after=call.started_at - timedelta(seconds=5),
                                               before=call.ended_at)
            if attempt is None:
                continue
            attempt.call_id = call.id
            attempt.emergency = "blocked_emergency" in call.ivr_path   # menu_choice is clipped to 16 chars
            attempt.ticket_number = call.ticket_number
            linked += 1
        session.commit()
    return linked
