"""Return visit use cases: one step of a visit (survey call, SMS, or the rating onto the ticket), SMS
replies and delivery reports. Every step is recorded before it happens, under the visit's lease."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers

from callbacks import service
from callbacks.models import UnmatchedReply, VisitAttempt
from callbacks.schedule import retry_at
from callbacks.sms import KEYS, SCORES, parse_reply, survey_text
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import VendorError
from ivr.survey import SurveySpec
from telephony.port import OutboundCalls, OutboundResult, SmsGateway, SmsRejected
from ticketing.enums import Satisfaction
from ticketing.flows import record_satisfaction
from ticketing.org.auth import Actor

log = logging.getLogger(__name__)

ACTOR_NAME = "回访"
CALLER_NAME = "来电人（短信退订）"
STATUS_PATH = "/api/v1/callbacks/sms/status"


@dataclass(frozen=True)
class Step:
    action: str  # call | sms | rate | none
    visit_id: int
    attempt_id: int | None = None
    phone: str | None = None
    number: str | None = None
    satisfaction: str | None = None


def run_visit(ctx: AppContext, *, visit_id: int, token: str, outbound: OutboundCalls, sms: SmsGateway) -> str:
    """Take the visit's next step if this run holds its lease token; returns the action taken ("none" for a
    duplicate or stale delivery, which changes nothing)."""
    step = _begin(ctx, visit_id, token)
    if step.action == "call":
        _finish_call(ctx, step, _place(outbound, step.phone, step.number, ctx))
    elif step.action == "sms":
        _send_sms(ctx, step, sms)
    elif step.action == "rate":
        apply_rating(ctx, visit_id=visit_id)
    return step.action


def _begin(ctx: AppContext, visit_id: int, token: str) -> Step:
    s = ctx.settings
    now = utcnow()
    with ctx.sessions() as session:
        visit = service.get_visit(session, visit_id=visit_id, for_update=True)
        if visit.claim != token:
            return Step("none", visit_id)
        visit.claim = None  # a duplicate delivery of this message now finds nothing to do
        lost_sms = False
        for lost in service.unfinished_attempts(session, visit_id=visit_id):
            lost.outcome, lost.ended_at = "lost", now  # the run that made it died: counted, not repeated
            lost_sms = lost_sms or lost.channel == "sms"
        action = "none"
        if lost_sms and visit.status == "due":  # it may have gone out: never send twice, wait for a reply
            visit.status, visit.lease_until = "sms_sent", None
            visit.due_at = now + timedelta(hours=s.visit_reply_hours)
        elif visit.status == "rated":
            action = "rate"
        elif visit.status == "sms_sent":  # the reply window has passed
            visit.status, visit.finished_at, visit.lease_until = "unreachable", now, None
        elif visit.status == "due":
            if visit.phone and service.is_opted_out(session, phone=visit.phone):
                visit.status, visit.finished_at, visit.lease_until = "opted_out", now, None
            elif visit.call_attempts < s.visit_call_attempts:
                visit.call_attempts += 1
                action = "call"
            elif visit.sms_attempts < s.visit_sms_attempts:
                visit.sms_attempts += 1
                action = "sms"
            else:
                visit.status, visit.finished_at, visit.lease_until = "unreachable", now, None
        attempt_id = None
        if action in ("call", "sms"):
            attempt = VisitAttempt(visit_id=visit.id, channel=action, started_at=now)
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
        step = Step(action, visit.id, attempt_id, visit.phone, visit.ticket_number, visit.satisfaction)
        session.commit()
        return step


def survey_spec(ctx: AppContext, number: str) -> SurveySpec:
    """The survey call of the case `number`: named digit by digit, asked at most visit_survey_tries times."""
    return SurveySpec(case_number=number, tries=ctx.settings.visit_survey_tries,
                      timeout_s=ctx.settings.visit_gather_seconds)


def _place(outbound: OutboundCalls, phone: str | None, number: str | None, ctx: AppContext) -> OutboundResult:
    try:
        return outbound.place_call(phone or "", survey=survey_spec(ctx, number or ""))
    except Exception as exc:  # noqa: BLE001 - any dialer failure is a failed attempt, retried later
        log.warning("survey call to visit failed: %s", exc)
        return OutboundResult(outcome="failed", digit=None, call_ref=None)


def _finish_call(ctx: AppContext, step: Step, result: OutboundResult) -> None:
    now = utcnow()
    rated = False
    with ctx.sessions() as session:
        visit = service.get_visit(session, visit_id=step.visit_id, for_update=True)
        attempt = session.get(VisitAttempt, step.attempt_id)
        attempt.outcome, attempt.digit, attempt.ref, attempt.ended_at = (
            result.outcome, result.digit, result.call_ref, now)
        value = KEYS.get(result.digit or "") if result.outcome == "answered" else None
        if result.outcome == "answered":
            attempt.detail = call_detail(rated=value is not None, invalid_keys=result.invalid_keys)
        if value is not None:
            rate_visit(visit, value, channel="call", now=now)
            rated = True
        else:
            visit.status, visit.lease_until = "due", None
            visit.due_at = retry_at(ctx, session, now=now, attempt=visit.call_attempts)
        session.commit()
    if rated:
        apply_rating(ctx, visit_id=step.visit_id)


def call_detail(*, rated: bool, invalid_keys: int) -> str | None:
    """What the attempt row says about an answered survey call besides its digit."""
    invalid = f"invalid keys: {invalid_keys}" if invalid_keys else None
    if rated:
        return invalid
    return "no valid key" + (f" ({invalid})" if invalid else "")


def rate_visit(visit, value: Satisfaction, *, channel: str, now: datetime) -> None:
    visit.satisfaction, visit.rating, visit.channel = value.value, SCORES[value], channel
    visit.status, visit.due_at = "rated", now


def _send_sms(ctx: AppContext, step: Step, sms: SmsGateway) -> None:
    s = ctx.settings
    callback = s.public_base_url.rstrip("/") + STATUS_PATH if s.public_base_url else None
    ref, outcome, detail = None, "sent", None
    try:
        ref = sms.send(e164(step.phone or ""), survey_text(step.number or ""), status_callback=callback)
    except SmsRejected as exc:
        outcome, detail = "rejected", str(exc)
    except VendorError as exc:
        outcome, detail = "error", str(exc)
    now = utcnow()
    with ctx.sessions() as session:
        visit = service.get_visit(session, visit_id=step.visit_id, for_update=True)
        attempt = session.get(VisitAttempt, step.attempt_id)
        attempt.outcome, attempt.ref, attempt.detail, attempt.ended_at = outcome, ref, detail, now
        visit.lease_until = None
        if outcome == "sent":
            visit.status, visit.sms_ref = "sms_sent", ref
            visit.due_at = now + timedelta(hours=s.visit_reply_hours)
        elif outcome == "rejected":
            visit.status, visit.finished_at = "unreachable", now
        else:
            visit.status = "due"
            visit.due_at = retry_at(ctx, session, now=now, attempt=visit.sms_attempts)
        session.commit()


def e164(phone: str) -> str:
    """The stored (normalised, national) number in the E.164 form SMS providers want."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(phone, "CN"), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return phone


def apply_rating(ctx: AppContext, *, visit_id: int) -> bool:
    """Put a visit's rating on the ticket (ticketing's record_satisfaction; a rating ≤ 2 reopens the case
    with 再督办) and finish the visit. Idempotent: the ticket flow keys the rating on the visit."""
    with ctx.sessions() as session:
        visit = service.get_visit(session, visit_id=visit_id)
        if visit.status != "rated":
            return False
        number, value = visit.ticket_number, Satisfaction(visit.satisfaction)
    record_satisfaction(ctx, number=number, rating=value, actor=Actor.system(ACTOR_NAME), ref=f"visit-{visit_id}")
    with ctx.sessions() as session:
        visit = service.get_visit(session, visit_id=visit_id, for_update=True)
        if visit.status == "rated":
            visit.status, visit.finished_at, visit.lease_until = "done", utcnow(), None
        session.commit()
    return True


def handle_reply(ctx: AppContext, *, phone: str | None, body: str, message_ref: str) -> str:
    """An inbound SMS. Returns what happened: duplicate | stop | rated | unreadable | unmatched."""
    now = utcnow()
    rated_visit = None
    with ctx.sessions() as session:
        if service.attempt_by_ref(session, channel="reply", ref=message_ref) or \
                service.unmatched_seen(session, message_ref=message_ref):
            return "duplicate"
        parsed = parse_reply(body)
        if parsed == "stop" and phone:
            added = service.add_opt_out(session, phone=phone, source="sms")
            stopped = stop_visits(session, phone=phone, now=now)
            reply = UnmatchedReply(phone=phone, body=body, message_ref=message_ref, reason="stop", received_at=now,
                                   status="opt_out")
            session.add(reply)
            session.flush()
            if added:
                service.add_audit(session, at=now, actor_name=CALLER_NAME, action="opt_out_added", phone=phone,
                                  reply_id=reply.id, detail=f"sms; {stopped} open visits stopped")
            session.commit()
            return "stop"
        visit = service.waiting_for_reply(session, phone=phone) if phone else None
        if visit is None or parsed is None:
            reason = "unreadable" if visit is not None else "no_visit"
            log.info("SMS reply not matched (%s)", reason)
            session.add(UnmatchedReply(phone=phone, body=body, message_ref=message_ref, reason=reason,
                                       received_at=now))
            session.commit()
            return "unreadable" if visit is not None else "unmatched"
        session.add(VisitAttempt(visit_id=visit.id, channel="reply", started_at=now, ended_at=now,
                                 outcome="reply", ref=message_ref, detail=body[:500]))
        rate_visit(visit, parsed, channel="sms", now=now)
        visit.lease_until = None
        rated_visit = visit.id
        session.commit()
    apply_rating(ctx, visit_id=rated_visit)  # a failure here leaves the visit "rated": the sweep retries it
    return "rated"


def stop_visits(session, *, phone: str, now: datetime) -> int:
    """Finish the phone's visits still waiting for a call or an SMS answer as opted out."""
    visits = service.open_visits_of_phone(session, phone=phone)
    for visit in visits:
        visit.status, visit.finished_at, visit.lease_until = "opted_out", now, None
    return len(visits)


def handle_status(ctx: AppContext, *, message_ref: str, status: str) -> bool:
    """A delivery report. An undelivered survey SMS makes its waiting visit unreachable."""
    with ctx.sessions() as session:
        attempt = service.attempt_by_ref(session, channel="sms", ref=message_ref)
        if attempt is None:
            log.info("status for unknown message %s", message_ref)
            return False
        attempt.detail = status
        if status in ("undelivered", "failed"):
            visit = service.get_visit(session, visit_id=attempt.visit_id, for_update=True)
            if visit.status == "sms_sent":
                visit.status, visit.finished_at = "unreachable", utcnow()
        session.commit()
        return True
