"""Return visit endpoints: the SMS provider's webhooks (signed; a forged request is 403 and changes
nothing), the visits of a case / the supervisor's list of due, failed and dissatisfied visits, and the
supervisor's management of per-caller opt-outs and unmatched SMS replies (with their audit trail)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from callbacks import flows, gateways, manage, service
from callbacks.models import REPLY_STATUSES
from callbacks.schemas import (
    AttachIn,
    AttemptOut,
    AuditOut,
    DismissIn,
    OptOutIn,
    OptOutOut,
    ReplyOut,
    VisitOut,
)
from hotline.context import AppContext
from hotline.deps import Ctx, ReadSession
from hotline.errors import PermissionDenied
from telephony.port import SmsGateway
from ticketing.enums import Role
from ticketing.flows.common import load
from ticketing.org.auth import CurrentActor
from ticketing.phones import normalize

router = APIRouter(prefix="/api/v1/callbacks", tags=["return visits"])
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TWIML_THANKS = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>感谢您的评价！</Message></Response>'
VIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
LISTS = {"due": ["due", "sms_sent", "rated"], "failed": ["unreachable"], "opted_out": ["opted_out", "no_phone"]}


def sms_gateway(request: Request) -> SmsGateway:
    return gateways.sms(request.app.state.context.settings)


Gateway = Annotated[SmsGateway, Depends(sms_gateway)]


async def _signed_form(request: Request, ctx: AppContext, gateway: SmsGateway) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    base = ctx.settings.public_base_url
    url = str(request.url)
    if base:
        url = base.rstrip("/") + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not gateway.verify(url, form, request.headers.get("X-Twilio-Signature", "")):
        raise PermissionDenied("invalid webhook signature")
    return form


@router.post("/sms/reply", include_in_schema=False)
async def sms_reply(request: Request, ctx: Ctx, gateway: Gateway) -> Response:
    form = await _signed_form(request, ctx, gateway)
    result = flows.handle_reply(ctx, phone=normalize(form.get("From")), body=form.get("Body", ""),
                                message_ref=form.get("MessageSid", ""))
    return Response(TWIML_THANKS if result == "rated" else TWIML_EMPTY, media_type="application/xml")


@router.post("/sms/status", include_in_schema=False)
async def sms_status(request: Request, ctx: Ctx, gateway: Gateway) -> Response:
    form = await _signed_form(request, ctx, gateway)
    flows.handle_status(ctx, message_ref=form.get("MessageSid", ""), status=form.get("MessageStatus", ""))
    return Response(status_code=204)


def _with_attempts(session: Session, visits) -> list[VisitOut]:
    by_visit: dict[int, list[AttemptOut]] = {}
    for a in service.attempts(session, visit_ids=[v.id for v in visits]):
        by_visit.setdefault(a.visit_id, []).append(AttemptOut.model_validate(a))
    return [VisitOut.model_validate(v).model_copy(update={"attempts": by_visit.get(v.id, [])}) for v in visits]


@router.get("/tickets/{number}", response_model=list[VisitOut])
def ticket_visits(number: str, actor: CurrentActor, session: ReadSession) -> list[VisitOut]:
    """The return visits of one case with every call, SMS and reply."""
    load(session, number, actor, for_update=False)  # 404 for a case the actor may not see
    return _with_attempts(session, service.visits_of(session, number=number))


@router.get("/visits", response_model=list[VisitOut])
def list_visits(actor: CurrentActor, session: ReadSession,
                kind: Literal["due", "failed", "dissatisfied", "opted_out"] = "due",
                limit: int = Query(100, ge=1, le=500)) -> list[VisitOut]:
    """Supervisor list: due (in progress), failed (unreachable), dissatisfied (rating ≤ 2) visits."""
    actor.require(*VIEW_ROLES)
    if kind == "dissatisfied":
        return _with_attempts(session, service.dissatisfied(session, limit=limit))
    return _with_attempts(session, service.list_visits(session, statuses=LISTS[kind], limit=limit))


def _phone_filter(phone: str | None) -> str | None:
    return manage.caller_number(phone) if phone and phone.strip() else None


@router.get("/opt-outs", response_model=list[OptOutOut])
def list_opt_outs(actor: CurrentActor, ctx: Ctx, session: ReadSession, phone: str | None = None,
                  limit: int = Query(100, ge=1, le=500)) -> list[OptOutOut]:
    """Callers who want no return visits, newest first (source sms = a STOP reply, staff = recorded by hand)."""
    actor.require(*manage.MANAGERS)
    return [OptOutOut(id=o.id, phone=manage.shown_phone(ctx.settings, actor, o.phone), source=o.source,
                      reason=o.reason, created_by=name, created_at=o.created_at)
            for o, name in service.list_opt_outs(session, phone=_phone_filter(phone), limit=limit)]


@router.post("/opt-outs", status_code=201)
def add_opt_out(body: OptOutIn, actor: CurrentActor, ctx: Ctx) -> dict:
    """Record a caller's opt-out (409 if there is one); the number is normalised like every caller number."""
    result = manage.add_opt_out(ctx, actor=actor, phone=body.phone, reason=body.reason)
    return result | {"phone": manage.shown_phone(ctx.settings, actor, result["phone"])}


@router.post("/opt-outs/remove")
def remove_opt_out(body: OptOutIn, actor: CurrentActor, ctx: Ctx) -> dict:
    """Allow return visits to the caller again (404 if the number has no opt-out)."""
    phone = manage.remove_opt_out(ctx, actor=actor, phone=body.phone, reason=body.reason)
    return {"phone": manage.shown_phone(ctx.settings, actor, phone), "removed": True}


@router.get("/replies", response_model=list[ReplyOut])
def list_replies(actor: CurrentActor, ctx: Ctx, session: ReadSession,
                 status: Literal["open", "attached", "dismissed", "opt_out", "all"] = "open",
                 limit: int = Query(100, ge=1, le=500)) -> list[ReplyOut]:
    """SMS replies that matched no waiting visit (unknown sender, late, unreadable) and STOP replies."""
    actor.require(*manage.MANAGERS)
    statuses = list(REPLY_STATUSES) if status == "all" else [status]
    return [ReplyOut(id=r.id, phone=manage.shown_phone(ctx.settings, actor, r.phone), body=r.body, reason=r.reason,
                     received_at=r.received_at, status=r.status, visit_id=r.visit_id, note=r.note,
                     handled_at=r.handled_at)
            for r in service.list_replies(session, statuses=statuses, limit=limit)]


@router.post("/replies/{reply_id}/attach")
def attach_reply(reply_id: int, body: AttachIn, actor: CurrentActor, ctx: Ctx) -> dict:
    """Put an unmatched reply on the case's current visit; the rating goes through the normal flow."""
    return manage.attach_reply(ctx, actor=actor, reply_id=reply_id, ticket_number=body.ticket_number,
                               rating=body.rating, note=body.note)


@router.post("/replies/{reply_id}/dismiss", status_code=204)
def dismiss_reply(reply_id: int, body: DismissIn, actor: CurrentActor, ctx: Ctx) -> Response:
    manage.dismiss_reply(ctx, actor=actor, reply_id=reply_id, note=body.note)
    return Response(status_code=204)


@router.get("/audit", response_model=list[AuditOut])
def audit(actor: CurrentActor, ctx: Ctx, session: ReadSession, phone: str | None = None,
          limit: int = Query(100, ge=1, le=500)) -> list[AuditOut]:
    """Who added or removed opt-outs and attached or dismissed replies, newest first."""
    actor.require(*manage.MANAGERS)
    return [AuditOut.model_validate(a).model_copy(update={"phone": manage.shown_phone(ctx.settings, actor, a.phone)})
            for a in service.audit_log(session, phone=_phone_filter(phone), limit=limit)]
