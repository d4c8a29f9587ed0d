"""Call use cases: the SIP workers report a call's life here (started, progress, recorded, ended), the Celery
task turns a recorded call into a ticket (telephony.processing), and the sweep takes up any call whose task
was lost. Every state change is committed before follow-up work is enqueued.

A recording that ends before the call (# / silence / limit, and the IVR can only say goodbye) is reported at
once (`call_recorded`): the call becomes "recorded" and is processed while the caller still hears the
goodbye; `call_ended` then only completes the row (end time, outcome) — it never moves the status back nor
enqueues again. A call is "live" (takes IVR progress) until its end is stored (`ended_at`)."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from ivr.words import status_key
from telephony import service
from telephony.models import Call
from telephony.processing import PROCESS_TASK, process_call, process_task, recordings_root
from ticketing import phones

log = logging.getLogger(__name__)

__all__ = [
    "PROCESS_TASK",
    "call_ended",
    "call_progress",
    "call_recorded",
    "call_started",
    "list_calls",
    "normalize_caller",
    "process_call",
    "sweep_calls",
    "ticket_status_words",
]

MAX_SIP_ID = 128
MAX_DIGITS = 64
MAX_PATH_NODES = 200
ANONYMOUS = {"anonymous", "unknown", "unavailable", "private", "restricted", "withheld", "anonymous.invalid"}
_URI = re.compile(r"^(?:sips?:|tel:)?([^@;>]*)")
SWEEP_BATCH = 500


def normalize_caller(raw: str | None) -> str | None:
    """A caller number from From / P-Asserted-Identity in its stored form, or None when it is unknown,
    anonymous or garbage. Never raises."""
    if raw is None:
        return None
    try:
        text = raw.strip().strip("<>\"' ")
        user = _URI.match(text).group(1).strip() if text else ""  # type: ignore[union-attr]
        if not user or user.lower() in ANONYMOUS:
            return None
        return phones.normalize(user)
    except (ValidationFailed, ValueError, TypeError, AttributeError):
        return None
    except Exception:
        log.warning("caller id %r could not be normalised", raw[:80], exc_info=True)
        return None


def _sip_id(sip_call_id: str) -> str:
    sip_call_id = _clip(sip_call_id, len(sip_call_id or "")) or ""
    if not sip_call_id:
        raise ValidationFailed("sip_call_id is required", field="sip_call_id")
    if len(sip_call_id) <= MAX_SIP_ID:
        return sip_call_id
    digest = hashlib.sha256(sip_call_id.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{sip_call_id[:MAX_SIP_ID - 33]}~{digest}"


def _clip(value: str | None, size: int) -> str | None:
    """Text from the wire, safe to store: no control characters (PostgreSQL refuses NUL), at most `size`."""
    if not value:
        return value
    return "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cc")[:size] or None


def call_started(ctx: AppContext, *, sip_call_id: str, caller_raw: str | None, callee: str | None,
                 worker: str | None, direction: str = "inbound") -> int:
    """Log a new call (idempotent per SIP Call-ID: a repeated report returns the same call id)."""
    key = _sip_id(sip_call_id)
    with ctx.sessions() as session:
        existing = service.find_call(session, sip_call_id=key)
        if existing is not None:
            return existing.id
        call = service.add_call(session, call=Call(
            sip_call_id=key, direction=direction, caller=normalize_caller(caller_raw),
            caller_raw=_clip(caller_raw, 128), callee=_clip(callee, 64), worker=_clip(worker, 64),
            started_at=utcnow(), ivr_path=[], digits="", urgent=False, recording_seconds=0.0, status="active",
            transcript_status="pending", attempts=0,
        ))
        session.commit()
        return call.id


def call_progress(ctx: AppContext, *, call_id: int, ivr_node: str | None = None, digits: str | None = None,
                  mark: dict | None = None) -> None:
    """Record where the caller is in the IVR, the keys pressed and what the IVR marked (menu_choice,
    ticket_type, urgent). Ignored once the call has ended (late events); once its recording was handed to
    processing (`call_recorded`) only the IVR path and keys are still taken, marks no longer."""
    with ctx.sessions() as session:
        call = service.get_call(session, call_id=call_id, for_update=True)
        if call.ended_at is not None:
            log.info("progress for ended call %s ignored", call_id)
            return
        if call.status != "active" and mark:
            log.warning("call %s: IVR mark %s after its recording was handed over; ignored", call_id, mark)
            mark = None
        _apply_progress(call, ivr_node=ivr_node, digits=digits, mark=mark)
        session.commit()


def _apply_progress(call: Call, *, ivr_node: str | None, digits: str | None, mark: dict | None) -> None:
    if call.answered_at is None:
        call.answered_at = utcnow()
    node = _clip(ivr_node, 64)
    if node and len(call.ivr_path or []) < MAX_PATH_NODES:
        call.ivr_path = [*(call.ivr_path or []), node]
    digits = "".join(ch for ch in digits or "" if ch in "0123456789*#ABCD")
    if digits:
        call.digits = (call.digits + digits)[:MAX_DIGITS]
    mark = mark or {}
    if mark.get("menu_choice") is not None:
        call.menu_choice = _clip(str(mark["menu_choice"]), 16)
    if mark.get("ticket_type") is not None:
        call.ticket_type = _clip(str(mark["ticket_type"]), 16)
    if mark.get("urgent") is not None:
        call.urgent = bool(mark["urgent"])
    call.updated_at = utcnow()


def _relative_recording(ctx: AppContext, recording_path: str | Path) -> str:
    root = recordings_root(ctx)
    path = Path(recording_path)
    resolved = (path if path.is_absolute() else root / path).resolve()
    if not resolved.is_relative_to(root):
        raise ValidationFailed("recording must lie inside the recordings directory", field="recording_path")
    return resolved.relative_to(root).as_posix()


def _hand_over(ctx: AppContext, call: Call, relative: str, seconds: float | None) -> None:
    call.recording_path = relative
    call.recording_seconds = max(0.0, float(seconds or 0.0))
    call.status = "recorded"
    call.next_attempt_at = utcnow() + timedelta(seconds=ctx.settings.calls_stuck_seconds)


def call_recorded(ctx: AppContext, *, call_id: int, recording_path: str | Path,
                  recording_seconds: float) -> str:
    """The call's last recording is complete while the call still goes on (the IVR only says goodbye): hand
    it to processing now — "recorded", task enqueued after the commit. Only an active call moves; any later
    report (a repeat, a call already ended) changes nothing. Returns the call status."""
    relative = _relative_recording(ctx, recording_path)
    with ctx.sessions() as session:
        call = service.get_call(session, call_id=call_id, for_update=True)
        if call.status != "active" or call.ended_at is not None:
            return call.status
        _hand_over(ctx, call, relative, recording_seconds)
        task = process_task(bool(call.urgent))
        session.commit()
    ctx.enqueue(task, call_id)
    return "recorded"


def call_ended(ctx: AppContext, *, call_id: int, outcome: str, recording_path: str | Path | None = None,
               recording_seconds: float = 0.0) -> str:
    """Close the call. With a recording it waits for processing ("recorded") and the task is enqueued after
    the commit; without one it is only logged. A call whose recording was already handed over
    (`call_recorded`) only gets its end time and outcome: status, recording and queue stay as they are.
    Repeated reports change nothing. Returns the call status."""
    relative = _relative_recording(ctx, recording_path) if recording_path else None
    with ctx.sessions() as session:
        call = service.get_call(session, call_id=call_id, for_update=True)
        if call.ended_at is not None:
            return call.status
        call.ended_at = utcnow()
        call.outcome = _clip(outcome, 32) or "hangup"
        if call.status != "active":   # processed (or processing) since call_recorded: complete the row only
            if relative and relative != call.recording_path:
                log.error("call %s ended with recording %s, but %s was already handed over; kept the latter",
                          call_id, relative, call.recording_path)
            status = call.status
            session.commit()
            return status
        if relative:
            _hand_over(ctx, call, relative, recording_seconds)
        else:
            call.status = "logged"
            call.transcript_status = "empty"
        status = call.status
        task = process_task(bool(call.urgent))
        session.commit()
    if status == "recorded":
        ctx.enqueue(task, call_id)
    return status


def sweep_calls(ctx: AppContext) -> dict[str, int]:
    """Beat: re-enqueue every call due for (re)processing, so a lost task or a crashed worker never loses
    a call; active calls whose SIP worker went silent are closed as "lost", and so is the end (not the
    recording, which is processed) of a call handed over early whose end was never reported."""
    now = utcnow()
    lease = now + timedelta(seconds=ctx.settings.calls_stuck_seconds)
    stale = now - timedelta(seconds=ctx.settings.calls_stuck_seconds)
    counts = {"requeued": 0, "lost": 0}
    requeue: list[tuple[str, int]] = []
    with ctx.sessions() as session:
        for call in service.due_calls(session, now=now, stale_before=stale, limit=SWEEP_BATCH):
            if call.status == "active":
                _mark_lost(call, now)
                counts["lost"] += 1
                continue
            if call.ended_at is None and call.updated_at < stale:
                call.ended_at, call.outcome = now, "lost"
                counts["lost"] += 1
            if call.status not in service.RETRYABLE or call.next_attempt_at is None or call.next_attempt_at > now:
                continue
            if call.status in ("processing", "failed"):
                call.status = "recorded"
            call.next_attempt_at = lease
            requeue.append((process_task(bool(call.urgent)), call.id))
        session.commit()
    for task, call_id in requeue:
        ctx.enqueue(task, call_id)
    counts["requeued"] = len(requeue)
    return counts


def _mark_lost(call: Call, now) -> None:
    call.status = "logged"
    call.outcome = "lost"
    call.ended_at = call.ended_at or now
    call.error = "the SIP worker stopped reporting this call"
    call.transcript_status = "empty"


def ticket_status_words(ctx: AppContext, *, number: str) -> tuple[bool, tuple[str, ...]]:
    """For IVR option 3: whether the ticket exists and the prompt keys that speak its status."""
    number = (number or "").strip()
    if not number.isdigit() or len(number) > 32:
        return False, ()
    with ctx.reader() as session:
        status = service.ticket_status(session, number=number)
    if status is None:
        return False, ()
    return True, (status_key(status),)


def list_calls(ctx: AppContext, *, limit: int = 20, statuses: list[str] | None = None) -> list[dict]:
    """The newest calls for the call log (`hotline calls list`)."""
    with ctx.reader() as session:
        return [_row(c) for c in service.recent_calls(session, limit=limit, statuses=statuses)]


def _row(call: Call) -> dict:
    return {
        "id": call.id, "sip_call_id": call.sip_call_id, "direction": call.direction, "caller": call.caller,
        "callee": call.callee, "worker": call.worker, "started_at": call.started_at.isoformat(),
        "ended_at": call.ended_at.isoformat() if call.ended_at else None, "ivr_path": call.ivr_path,
        "digits": call.digits, "menu_choice": call.menu_choice, "ticket_type": call.ticket_type,
        "urgent": call.urgent, "recording_path": call.recording_path, "recording_seconds": call.recording_seconds,
        "outcome": call.outcome, "status": call.status, "transcript_status": call.transcript_status,
        "attempts": call.attempts, "ticket_number": call.ticket_number, "error": call.error,
    }
