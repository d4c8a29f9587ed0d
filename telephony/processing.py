"""A recorded call becomes a ticket: transcribe, classify, register the case (channel phone), and retry a
failed or empty transcription later — unless the recognizer says retrying cannot help (a VendorError with
`retryable=False`, e.g. a file that is no WAV): then the ticket keeps its mark at once. A missing model
(AsrUnavailable) is retried: installing the model fixes it. Idempotent: a call is claimed under a lease before any work, and a
ticket already registered for the call (found by its call reference) is reused, never duplicated."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from asr.port import Recognizer, Transcript
from asr.refine import refine
from asr.vocabulary import decoding_aids, load_vocabulary, tuning_from
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import AsrUnavailable, VendorError
from telephony import service
from ticketing.enums import Channel, TicketType, Urgency
from ticketing.flows import attach_transcript, create_ticket
from ticketing.flows.phone import EMPTY_MARK, PENDING_MARK, add_suggestions, placeholder_content
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate
from ticketing.triage.flows import escalate
from ticketing.triage.flows import suggest as triage_suggest

log = logging.getLogger(__name__)

PROCESS_TASK = "telephony.process_call"
PROCESS_URGENT_TASK = "telephony.process_urgent_call"  # same work; routed to the urgent ASR queue


def process_task(urgent: bool) -> str:
    """The task name a call is processed under: urgent-key calls go to the queue ASR workers take first."""
    return PROCESS_URGENT_TASK if urgent else PROCESS_TASK
RECORDINGS = "recordings"
IVR_ACTOR = "ivr"
DEFAULT_TYPE = TicketType.HELP.value
TYPE_CONFIDENCE = 0.4  # below it the menu choice (or the default) gives the type


def recordings_root(ctx: AppContext) -> Path:
    return (ctx.settings.data_dir / RECORDINGS).resolve()


@dataclass(frozen=True)
class Claimed:
    """What processing needs of the call, read under the claim (no ORM object leaves the transaction)."""

    id: int
    sip_call_id: str
    caller: str | None
    started_at: datetime
    recording_path: str
    recording_seconds: float
    menu_type: str | None
    urgent: bool
    attempts: int
    ticket_number: str | None


def _claim(ctx: AppContext, call_id: int) -> Claimed | None:
    """Take the call for processing under a lease of settings.calls_stuck_seconds; None when another
    delivery holds it, it is done, or its retry is not due yet."""
    now = utcnow()
    with ctx.sessions() as session:
        call = service.get_call(session, call_id=call_id, for_update=True)
        due = call.next_attempt_at is None or call.next_attempt_at <= now
        if call.status not in ("recorded", "processing", "failed") or not call.recording_path:
            return None
        if call.status != "recorded" and not due:
            return None
        call.status = "processing"
        call.attempts += 1
        call.next_attempt_at = now + timedelta(seconds=ctx.settings.calls_stuck_seconds)
        claimed = Claimed(
            id=call.id, sip_call_id=call.sip_call_id, caller=call.caller, started_at=call.started_at,
            recording_path=call.recording_path, recording_seconds=call.recording_seconds,
            menu_type=call.ticket_type, urgent=bool(call.urgent), attempts=call.attempts,
            ticket_number=call.ticket_number,
        )
        session.commit()
        return claimed


@dataclass(frozen=True)
class Attempt:
    """One transcription: the transcript, or None, why it failed and whether trying again can help."""

    transcript: Transcript | None
    error: str | None = None
    retryable: bool = True


def _transcribe(ctx: AppContext, recognizer: Recognizer, path: Path) -> Attempt:
    """The transcript (biased toward and corrected against the hotline vocabulary; the raw text kept). Any
    engine failure is caught here: the call goes on."""
    if not path.is_file():
        return Attempt(None, f"recording {path.name} is missing")
    with ctx.reader() as session:
        vocabulary = load_vocabulary(session)
    bias, corrector = decoding_aids(vocabulary, tuning_from(ctx.settings), correct=ctx.settings.asr_correct)
    try:
        return Attempt(refine(recognizer.transcribe(path, bias), corrector))
    except VendorError as exc:
        log.warning("transcription of %s failed: %s", path.name, exc.message)
        return Attempt(None, f"{exc.code}: {exc.message}", exc.retryable or isinstance(exc, AsrUnavailable))
    except Exception as exc:
        log.exception("recognizer %s crashed on %s", getattr(recognizer, "name", "?"), path.name)
        return Attempt(None, f"{type(exc).__name__}: {exc}")


def process_call(ctx: AppContext, *, call_id: int, recognizer: Recognizer) -> str:
    """Turn a recorded call into a ticket (see the module doc). Returns the call's status afterwards."""
    call = _claim(ctx, call_id)
    if call is None:
        with ctx.reader() as session:
            return service.get_call(session, call_id=call_id).status
    attempt = _transcribe(ctx, recognizer, recordings_root(ctx) / call.recording_path)
    transcript = attempt.transcript
    text = transcript.text.strip()[: ctx.settings.max_content_chars] if transcript else ""
    engine = transcript.engine if transcript else getattr(recognizer, "name", None)
    number = call.ticket_number
    if number is None and call.attempts > 1:
        with ctx.reader() as session:
            number = service.ticket_for_call(session, call_ref=call.sip_call_id)
    if transcript is not None and not text and number is None \
            and call.recording_seconds < ctx.settings.calls_min_speech_seconds:
        return _finish(ctx, call, status="logged", transcript_status="empty", engine=engine)
    hints = _suggestions(ctx, call, text, transcript)
    if text:
        if number is None:
            number = _register(ctx, call, content=text, title=None, transcript=text, hints=hints)
        else:
            attach_transcript(ctx, number=number, transcript=text, actor=Actor.system(IVR_ACTOR),
                              suggestions=hints)
            escalate(ctx, number=number, hint=hints.get("triage") or {})
        return _finish(ctx, call, status="ticketed", transcript_status="done", engine=engine, number=number,
                       text=text, transcript=transcript)
    mark = EMPTY_MARK if transcript is not None else PENDING_MARK
    if number is None:
        content = placeholder_content(mark, caller=call.caller, seconds=call.recording_seconds)
        number = _register(ctx, call, content=content, title=f"{mark}电话来电", transcript=None, hints=hints)
    return _retry_later(ctx, call, number=number, engine=engine,
                        transcript_status="empty" if transcript is not None else "failed",
                        error=attempt.error or "the transcript is empty", retryable=attempt.retryable)


def _ticket_type(call: Claimed, hints: dict) -> str:
    if call.menu_type == TicketType.CONSULT.value:
        return call.menu_type
    hint = hints.get("triage") or {}
    if hint.get("type") and (hint.get("type_confidence", 0) >= TYPE_CONFIDENCE or hint.get("urgency") == "urgent"):
        return hint["type"]
    if call.menu_type in {t.value for t in TicketType}:
        return call.menu_type  # type: ignore[return-value]
    return DEFAULT_TYPE


def _suggestions(ctx: AppContext, call: Claimed, text: str, transcript: Transcript | None) -> dict:
    """The triage suggestion (ticketing.triage) of the transcript; registration applies its urgency."""
    if not text:
        return {}
    with ctx.reader() as session:
        hints = {"triage": triage_suggest(ctx, text, menu_type=call.menu_type, session=session)}
    if transcript is not None and not transcript.complete:
        hints["transcript_partial"] = True
    return hints


def _register(ctx: AppContext, call: Claimed, *, content: str, title: str | None, transcript: str | None,
              hints: dict) -> str:
    data = TicketCreate(
        channel=Channel.PHONE, ticket_type=TicketType(_ticket_type(call, hints)), content=content, title=title,
        caller_phone=call.caller, urgency=Urgency.URGENT if call.urgent else Urgency.NORMAL,
        accepted_at=call.started_at,
    )
    number = create_ticket(ctx, data=data, actor=Actor.system(IVR_ACTOR), call_ref=call.sip_call_id,
                           recording_url=call.recording_path, transcript=transcript)
    # Remember the number at once, so a crash before _finish cannot lead to a second ticket.
    with ctx.sessions() as session:
        service.get_call(session, call_id=call.id, for_update=True).ticket_number = number
        session.commit()
    add_suggestions(ctx, number=number, suggestions=hints)
    return number


def _finish(ctx: AppContext, call: Claimed, *, status: str, transcript_status: str, engine: str | None,
            number: str | None = None, text: str | None = None, error: str | None = None,
            next_attempt_at: datetime | None = None, transcript: Transcript | None = None) -> str:
    with ctx.sessions() as session:
        row = service.get_call(session, call_id=call.id, for_update=True)
        row.status = status
        row.transcript_status = transcript_status
        row.transcript_engine = (engine or "")[:32] or None
        row.ticket_number = number or row.ticket_number
        if text is not None:
            row.transcript = text
        if transcript is not None:
            row.transcript_raw = transcript.raw_text
            row.transcript_segments = [{"start": s.start, "end": s.end, "text": s.text, "confidence": s.confidence}
                                       for s in transcript.segments]
            row.transcript_corrections = list(transcript.corrections) or None
        row.error = error[:2000] if error else None
        row.next_attempt_at = next_attempt_at
        session.commit()
    return status


def _retry_later(ctx: AppContext, call: Claimed, *, number: str, engine: str | None, transcript_status: str,
                 error: str, retryable: bool = True) -> str:
    """The ticket exists with a mark; try the transcription again after the next configured delay, or give
    up (the ticket keeps its recording and mark) when the delays are used up or retrying cannot help."""
    if not retryable:
        return _finish(ctx, call, status="ticketed", transcript_status=transcript_status, engine=engine,
                       number=number, error=f"not retried (the recognizer says it cannot succeed): {error}")
    delays = ctx.settings.calls_retry_delays
    if call.attempts <= len(delays):
        when = utcnow() + timedelta(seconds=delays[call.attempts - 1])
        return _finish(ctx, call, status="failed", transcript_status=transcript_status, engine=engine,
                       number=number, error=error, next_attempt_at=when)
    return _finish(ctx, call, status="ticketed", transcript_status=transcript_status, engine=engine,
                   number=number, error=f"gave up after {call.attempts} attempts: {error}")


__all__ = ["PROCESS_TASK", "PROCESS_URGENT_TASK", "process_call", "process_task", "recordings_root"]
