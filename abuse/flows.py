"""Use cases of abuse screening: incidents, the graded blacklist policy, supervisor decisions, appeals and the
caller screen. Every decision writes an audit row in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from abuse import service
from abuse.detector import detect
from abuse.lexicon import load
from abuse.models import KINDS, AbuseIncident, BlacklistEntry
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import InvalidTransition, NotFound, ValidationFailed
from hotline.settings import Settings
from telephony.models import Call
from telephony.port import WARNING, Screening
from ticketing import phones
from ticketing.enums import Role
from ticketing.models import Ticket
from ticketing.org.auth import Actor

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)


def caller_number(raw: str | None) -> str:
    number = phones.normalize(raw)
    if not number:
        raise ValidationFailed("a caller number is required")
    return number


def lexicon(settings: Settings):
    return load(settings.abuse_lexicon_path)


def _audit(session: Session, actor: Actor, *, caller: str, action: str, now: datetime, **kw) -> None:
    service.add_audit(session, caller=caller, action=action, actor_id=actor.id, actor_name=actor.name, now=now, **kw)


# --- incidents and the policy ----------------------------------------------------------------------------------

def _evidence_of_call(session: Session, call_id: int, settings: Settings) -> tuple[Call, str | None, list]:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("call not found", call_id=call_id)
    found = detect(call.transcript, lexicon(settings))
    excerpt = found.excerpt or ((call.transcript or "")[:120] or None)
    return call, excerpt, found.words


def report_incident(ctx: AppContext, *, actor: Actor, kind: str, note: str | None = None, caller: str | None = None,
                    call_id: int | None = None, ticket_number: str | None = None) -> dict:
    """An agent flags a call or ticket (or a bare number) as abusive; the policy may propose a blacklist."""
    actor.require(*STAFF)
    if kind not in KINDS:
        raise ValidationFailed("unknown incident kind", kind=kind, allowed=list(KINDS))
    now = utcnow()
    with ctx.sessions() as session:
        recording, excerpt, words, number = None, None, [], None
        if call_id is not None:
            call, excerpt, words = _evidence_of_call(session, call_id, ctx.settings)
            recording, number = call.recording_path, call.caller
            ticket_number = ticket_number or call.ticket_number
        if ticket_number and number is None:
            ticket = session.scalars(select(Ticket).where(Ticket.number == ticket_number)).first()
            if ticket is None:
                raise NotFound("ticket not found", number=ticket_number)
            number = ticket.caller_phone
        number = number or caller_number(caller)
        incident = service.add_incident(session, caller=number, kind=kind, source="agent", note=note,
                                        call_id=call_id, ticket_number=ticket_number, recording_path=recording,
                                        excerpt=excerpt, evidence=words, reported_by=actor.id, now=now)
        _audit(session, actor, caller=number, action="incident", now=now, incident_id=incident.id, reason=note)
        proposed = _apply_policy(session, ctx.settings, caller=number, now=now)
        session.commit()
        return {"incident": incident_row(incident), "proposed": entry_row(proposed) if proposed else None}


def record_automatic(session: Session, settings: Settings, *, caller: str, kind: str, source: str, now: datetime,
                     call_id: int | None = None, recording_path: str | None = None, excerpt: str | None = None,
                     evidence: list | None = None, note: str | None = None) -> AbuseIncident:
    """An incident found by the lexicon or a call pattern (the caller commits)."""
    incident = service.add_incident(session, caller=caller, kind=kind, source=source, note=note, call_id=call_id,
                                    recording_path=recording_path, excerpt=excerpt, evidence=evidence, now=now)
    _audit(session, Actor.system(f"abuse-{source}"), caller=caller, action="incident", now=now,
           incident_id=incident.id, reason=note or ", ".join(map(str, evidence or [])))
    _apply_policy(session, settings, caller=caller, now=now)
    return incident


def _apply_policy(session: Session, settings: Settings, *, caller: str, now: datetime) -> BlacklistEntry | None:
    """First incident in the window → a warning on the next call (nothing to store: the incident is unwarned);
    `abuse_blacklist_threshold` incidents → a temporary blacklist PROPOSED at the next step of the ladder."""
    recent = service.incidents_since(session, caller=caller, since=now - timedelta(days=settings.abuse_window_days))
    if len(recent) < settings.abuse_blacklist_threshold or service.open_entry(session, caller=caller):
        return None
    ladder = settings.abuse_blacklist_days or [1]
    level = service.served_blacklists(session, caller=caller) + 1
    days = ladder[min(level, len(ladder)) - 1]
    reason = f"{len(recent)} incidents within {settings.abuse_window_days} days"
    entry = BlacklistEntry(caller=caller, status="proposed", level=level, days=days, reason=reason, automatic=True,
                           incident_ids=[i.id for i in recent], appeal_status="none", created_at=now)
    session.add(entry)
    session.flush()
    _audit(session, Actor.system("abuse-policy"), caller=caller, action="proposed", now=now, entry_id=entry.id,
           reason=f"{reason}; {days} days")
    return entry


# --- supervisor decisions --------------------------------------------------------------------------------------

def blacklist(ctx: AppContext, *, actor: Actor, caller: str, days: int, reason: str) -> dict:
    """Manual blacklist by a supervisor: effective at once, expires by itself."""
    actor.require(*DECIDERS)
    if days < 1 or not reason.strip():
        raise ValidationFailed("a manual blacklist needs at least one day and a reason")
    number, now = caller_number(caller), utcnow()
    with ctx.sessions() as session:
        if service.open_entry(session, caller=number):
            raise InvalidTransition("the caller already has an open blacklist entry", caller=number)
        entry = BlacklistEntry(caller=number, status="active", level=0, days=days, reason=reason, automatic=False,
                               incident_ids=[], created_by=actor.id, confirmed_by=actor.id, starts_at=now,
                               expires_at=now + timedelta(days=days), appeal_status="none", created_at=now)
        session.add(entry)
        session.flush()
        _audit(session, actor, caller=number, action="blacklisted", now=now, entry_id=entry.id, reason=reason)
        session.commit()
        return entry_row(entry)


def _decide(ctx: AppContext, *, actor: Actor, entry_id: int, action: str, reason: str | None,
            allowed: tuple[str, ...], roles=DECIDERS, change) -> dict:
    actor.require(*roles)
    now = utcnow()
    with ctx.sessions() as session:
        entry = service.get_entry(session, entry_id=entry_id, lock=True)
        if entry.status not in allowed:
            raise InvalidTransition(f"cannot {action} an entry that is {entry.status}", status=entry.status)
        change(entry, now)
        _audit(session, actor, caller=entry.caller, action=action, now=now, entry_id=entry.id, reason=reason)
        session.commit()
        return entry_row(entry)


def confirm(ctx: AppContext, *, actor: Actor, entry_id: int, reason: str | None = None) -> dict:
    def change(entry: BlacklistEntry, now: datetime) -> None:
        entry.status, entry.confirmed_by = "active", actor.id
        entry.starts_at, entry.expires_at = now, now + timedelta(days=entry.days)
    return _decide(ctx, actor=actor, entry_id=entry_id, action="confirmed", reason=reason, allowed=("proposed",),
                   change=change)


def reject(ctx: AppContext, *, actor: Actor, entry_id: int, reason: str) -> dict:
    def change(entry: BlacklistEntry, now: datetime) -> None:
        entry.status, entry.ended_at = "rejected", now
    return _decide(ctx, actor=actor, entry_id=entry_id, action="rejected", reason=_needed(reason),
                   allowed=("proposed",), change=change)


def lift(ctx: AppContext, *, actor: Actor, entry_id: int, reason: str) -> dict:
    def change(entry: BlacklistEntry, now: datetime) -> None:
        entry.status, entry.ended_at = "lifted", now
    return _decide(ctx, actor=actor, entry_id=entry_id, action="lifted", reason=_needed(reason),
                   allowed=("active",), change=change)


def appeal(ctx: AppContext, *, actor: Actor, entry_id: int, text: str) -> dict:
    """The caller appeals (through an agent, by letter or in person): the entry stays until a decision."""
    def change(entry: BlacklistEntry, now: datetime) -> None:
        if entry.appeal_status == "pending":
            raise InvalidTransition("an appeal is already pending", entry_id=entry.id)
        entry.appeal_status, entry.appeal_text = "pending", text
    return _decide(ctx, actor=actor, entry_id=entry_id, action="appealed", reason=_needed(text),
                   allowed=("proposed", "active"), roles=STAFF, change=change)


def decide_appeal(ctx: AppContext, *, actor: Actor, entry_id: int, grant: bool, reason: str) -> dict:
    """Granted: the entry ends now (and does not count towards the ladder). Denied: it runs its course."""
    def change(entry: BlacklistEntry, now: datetime) -> None:
        if entry.appeal_status != "pending":
            raise InvalidTransition("no appeal is pending", entry_id=entry.id)
        entry.appeal_status = "granted" if grant else "denied"
        if grant:
            entry.status, entry.ended_at = ("lifted" if entry.status == "active" else "rejected"), now
    return _decide(ctx, actor=actor, entry_id=entry_id, action="appeal_granted" if grant else "appeal_denied",
                   reason=_needed(reason), allowed=("proposed", "active", "expired", "lifted", "rejected"),
                   change=change)


def _needed(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValidationFailed("a reason is required")
    return reason.strip()


# --- the caller screen -----------------------------------------------------------------------------------------

def screen_caller(ctx: AppContext, *, caller: str | None, now: datetime | None = None) -> Screening:
    """Blocked while an active entry has not expired; every blocked attempt is a row. A caller with an unwarned
    incident (and no open entry) is let in with reason WARNING."""
    if not caller:
        return Screening(blocked=False)
    now = now or utcnow()
    with ctx.sessions() as session:
        entry = service.active_entry(session, caller=caller, now=now)
        if entry is not None:
            service.add_attempt(session, caller=caller, entry_id=entry.id, now=now)
            session.commit()
            return Screening(blocked=True, reason=f"blacklist entry {entry.id} until {entry.expires_at:%Y-%m-%d %H:%M}Z")
        since = now - timedelta(days=ctx.settings.abuse_window_days)
        unwarned = [i for i in service.incidents_since(session, caller=caller, since=since) if i.warned_at is None]
        if unwarned and service.open_entry(session, caller=caller) is None:
            return Screening(blocked=False, reason=WARNING)
        return Screening(blocked=False)


def mark_warned(ctx: AppContext, *, caller: str, call_id: int | None = None) -> int:
    """The warning prompt was played to `caller` (on call `call_id`): their incidents so far count as warned —
    with a call, only those reported before it started. Idempotent: a repeat finds nothing left and writes
    nothing. Returns how many incidents were marked; one "warned" audit row when there were any."""
    now = utcnow()
    with ctx.sessions() as session:
        since = now - timedelta(days=ctx.settings.abuse_window_days)
        call = session.get(Call, call_id) if call_id is not None else None
        until = call.started_at if call is not None else now
        unwarned = [i for i in service.incidents_since(session, caller=caller, since=since, lock=True)
                    if i.warned_at is None and i.created_at <= until]
        for incident in unwarned:
            incident.warned_at = now
        if unwarned:
            on_call = f"warning played on call {call_id}; " if call is not None else ""
            _audit(session, Actor.system("ivr"), caller=caller, action="warned", now=now,
                   incident_id=unwarned[-1].id, reason=f"{on_call}{len(unwarned)} incident(s)")
        session.commit()
        return len(unwarned)


# --- rows ------------------------------------------------------------------------------------------------------

def incident_row(i: AbuseIncident) -> dict:
    return {"id": i.id, "caller": i.caller, "kind": i.kind, "source": i.source, "note": i.note,
            "call_id": i.call_id, "ticket_number": i.ticket_number, "recording_path": i.recording_path,
            "excerpt": i.excerpt, "evidence": list(i.evidence or []), "reported_by": i.reported_by,
            "warned_at": i.warned_at, "created_at": i.created_at}


def entry_row(e: BlacklistEntry) -> dict:
    return {"id": e.id, "caller": e.caller, "status": e.status, "level": e.level, "days": e.days,
            "reason": e.reason, "automatic": e.automatic, "incident_ids": list(e.incident_ids or []),
            "created_by": e.created_by, "confirmed_by": e.confirmed_by, "starts_at": e.starts_at,
            "expires_at": e.expires_at, "ended_at": e.ended_at, "appeal_status": e.appeal_status,
            "appeal_text": e.appeal_text, "created_at": e.created_at}


def attempt_row(a) -> dict:
    return {"id": a.id, "caller": a.caller, "entry_id": a.entry_id, "attempted_at": a.attempted_at,
            "call_id": a.call_id, "emergency": a.emergency, "ticket_number": a.ticket_number,
            "reviewed_by": a.reviewed_by, "reviewed_at": a.reviewed_at}


def audit_row(a) -> dict:
    return {"id": a.id, "caller": a.caller, "action": a.action, "entry_id": a.entry_id,
            "incident_id": a.incident_id, "actor_id": a.actor_id, "actor_name": a.actor_name, "reason": a.reason,
            "at": a.at}


def caller_history(session: Session, *, caller: str, limit: int = 50) -> dict:
    """Everything known about one number: incidents, blacklist entries, blocked attempts and the audit trail."""
    number = caller_number(caller)
    return {"caller": number,
            "incidents": [incident_row(i) for i in service.list_incidents(session, caller=number, limit=limit)],
            "entries": [entry_row(e) for e in service.list_entries(session, caller=number, limit=limit)],
            "attempts": [attempt_row(a) for a in service.list_attempts(session, caller=number, limit=limit)],
            "audit": [audit_row(a) for a in service.audit_for(session, caller=number, limit=4 * limit)]}


def review_attempt(ctx: AppContext, *, actor: Actor, attempt_id: int, reason: str | None = None) -> dict:
    """A supervisor has looked at a blocked caller's emergency call (and its urgent ticket)."""
    actor.require(*DECIDERS)
    now = utcnow()
    with ctx.sessions() as session:
        attempt = service.get_attempt(session, attempt_id=attempt_id)
        if attempt.reviewed_at is not None:
            raise InvalidTransition("the attempt was already reviewed", attempt_id=attempt_id)
        attempt.reviewed_by, attempt.reviewed_at = actor.id, now
        _audit(session, actor, caller=attempt.caller, action="emergency_reviewed", now=now,
               entry_id=attempt.entry_id, reason=reason or attempt.ticket_number)
        session.commit()
        return attempt_row(attempt)
