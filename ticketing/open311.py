"""Open311 GeoReport v2 under /open311/v2, so web and app channels (网站, 微信/扫码) can file and follow cases.

Services are the active leaf categories; a POST becomes a ticket through flows.create_ticket (channel web, or
wechat with the `channel=wechat` extension) as Actor.system("open311"). GET answers never carry caller
numbers or names, and numbers or names a text happens to contain are blanked. Only the .json format exists.
Every error — ours, validation, or an unexpected one — is the spec's array [{"code": N, "description": ...}];
the route class below does that for this router only, so the global handlers in wiring.app stay as they are.

Location storage: see ticketing.open311_schemas.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError as PydanticError
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload
from starlette.exceptions import HTTPException

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.deps import Ctx
from hotline.errors import HotlineError, NotFound, PermissionDenied, ValidationFailed
from ticketing import flows, public_tokens, service
from ticketing.enums import LABELS_ZH, OPEN_STATUSES, Status
from ticketing.models import Ticket
from ticketing.open311_schemas import (
    CreatedOut,
    DiscoveryOut,
    EndpointOut,
    RequestOut,
    ServiceDefinition,
    ServiceOut,
    TokenOut,
    coordinates_of,
    parse_submission,
    redact,
    split_content,
    ticket_type_attribute,
)
from ticketing.org import service as org
from ticketing.org.auth import Actor
from ticketing.org.models import Category
from ticketing.schemas import TicketCreate

log = logging.getLogger(__name__)
INTAKE = Actor.system("open311")
DATE_YEARS = range(1900, 3000)  # dates outside these years are typing errors (and overflow with offsets)
CLOSED = [Status.CLOSED.value, Status.MERGED.value]
OPEN = sorted(s.value for s in OPEN_STATUSES)


# --- errors in the Open311 format, for this router only --------------------------------------------


def open311_error(status: int, description: str) -> JSONResponse:
    return JSONResponse(status_code=status, content=[{"code": status, "description": description}])


class Open311Route(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def guarded(request: Request):
            try:
                return await handler(request)
            except HotlineError as exc:
                return open311_error(400 if isinstance(exc, ValidationFailed) else exc.http_status, exc.message)
            except RequestValidationError as exc:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}"
                                     for e in exc.errors())
                return open311_error(400, problems or "invalid request")
            except PydanticError as exc:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
                return open311_error(400, problems)
            except HTTPException as exc:
                return open311_error(exc.status_code, str(exc.detail))
            # Anything else reaches hotline.http_guard: logged, answered 500 (or 400/503) in this format.

        return guarded


def json_only(fmt: str) -> None:
    if fmt.lower() != "json":
        raise ValidationFailed("only JSON is supported; use the .json format")


router = APIRouter(prefix="/open311", tags=["open311"], route_class=Open311Route,
                   dependencies=[Depends(json_only)])


# --- discovery and services ----------------------------------------------------------------------


@router.get("/discovery.{fmt}", response_model=DiscoveryOut)
def discovery(request: Request, ctx: Ctx) -> DiscoveryOut:
    contact = ctx.settings.open311_contact
    url = str(request.base_url).rstrip("/") + "/open311/v2"
    return DiscoveryOut(contact=contact, key_service=f"申请 API key 请联系：{contact}",
                        endpoints=[EndpointOut(url=url)])


def _services(session: Session) -> dict[str, ServiceOut]:
    """Active leaf categories by code; `group` is the parent's name."""
    everything = org.list_categories(session, include_inactive=True)
    names = {c.id: c.name for c in everything}
    active = [c for c in everything if c.active]
    parents = {c.parent_id for c in active}
    services = {}
    for c in active:
        if c.id in parents:
            continue
        group = names.get(c.parent_id)
        services[c.code] = ServiceOut(service_code=c.code, service_name=c.name, group=group,
                                      description=f"{group} - {c.name}" if group else c.name)
    return services


@router.get("/v2/services.{fmt}", response_model=list[ServiceOut])
def list_services(ctx: Ctx) -> list[ServiceOut]:
    with ctx.reader() as session:
        services = _services(session)
    return sorted(services.values(), key=lambda s: (s.group or "", s.service_name, s.service_code))


@router.get("/v2/services/{service_code}.{fmt}", response_model=ServiceDefinition)
def service_definition(service_code: str, ctx: Ctx) -> ServiceDefinition:
    with ctx.reader() as session:
        if service_code not in _services(session):
            raise NotFound(f"service_code {service_code} not found")
    return ServiceDefinition(service_code=service_code, attributes=[ticket_type_attribute()])


# --- filing a case -------------------------------------------------------------------------------


async def submitted(request: Request) -> dict[str, Any]:
    """The POST parameters: a form (the spec) or a JSON object; query parameters fill in what is missing."""
    content_type = request.headers.get("content-type", "").lower()
    if "json" in content_type:
        try:
            body = await request.json()
        except ValueError:
            raise ValidationFailed("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ValidationFailed("the JSON body must be an object")
    elif "form" in content_type:
        form = await request.form()
        body = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    elif await request.body():
        raise ValidationFailed("send application/x-www-form-urlencoded or application/json")
    else:
        body = {}
    return {**dict(request.query_params), **body}


def check_api_key(ctx: AppContext, given: str | None) -> None:
    """Posting needs one of open311_api_keys, unless the administrator opened it (open311_open_posting)."""
    keys = ctx.settings.open311_api_keys
    if ctx.settings.open311_open_posting:
        return
    if given is None or not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        raise PermissionDenied("a valid api_key is required to submit requests")


@router.post("/v2/requests.{fmt}", status_code=201, response_model=list[CreatedOut])
def create_request(ctx: Ctx, raw: Annotated[dict[str, Any], Depends(submitted)]) -> list[CreatedOut]:
    """File a case (form-encoded per the spec, or JSON): service_code, description, lat+long and/or
    address_string, optional phone, first_name, last_name, media_url, attribute[ticket_type] (default
    complaint), api_key (when keys are configured) and the extension channel=web|wechat."""
    given_key = raw.get("api_key")
    check_api_key(ctx, str(given_key) if given_key is not None else None)
    sub = parse_submission(raw, max_content_chars=ctx.settings.max_content_chars)
    with ctx.reader() as session:
        category = _services(session).get(sub.service_code)
        category_id = session.scalar(select(Category.id).where(Category.code == sub.service_code))
    if category is None:
        raise ValidationFailed(f"unknown service_code {sub.service_code}", field="service_code")
    number = flows.create_ticket(ctx, actor=INTAKE, data=TicketCreate(
        channel=sub.channel, ticket_type=sub.ticket_type, content=sub.content, caller_phone=sub.caller_phone,
        caller_name=sub.caller_name, category_id=category_id, address=sub.address,
    ))
    with ctx.reader() as session:
        due = service.get_ticket(session, number=number).due_at.astimezone(ctx.settings.tz)
    notice = f"您的诉求已受理，工单编号 {number}，承办单位将于 {due:%Y-%m-%d %H:%M} 前答复。"
    return [CreatedOut(service_request_id=number, service_notice=notice, token=public_tokens.mint(ctx.settings, number))]


# --- following cases -----------------------------------------------------------------------------


def _when(ctx: AppContext, value: str | None, name: str) -> datetime | None:
    """ISO 8601 (W3C) datetime; without an offset it is local time (settings.tz); a bare date is its midnight."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{name} must be an ISO 8601 datetime, e.g. 2026-01-31T09:00:00+08:00",
                               field=name) from None
    if parsed.year not in DATE_YEARS:
        raise ValidationFailed(f"{name} must lie between the years {DATE_YEARS.start} and {DATE_YEARS.stop - 1}",
                               field=name)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.settings.tz)


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@router.get("/v2/requests.{fmt}", response_model=list[RequestOut])
def list_requests(
    ctx: Ctx,
    service_request_id: Annotated[str | None, Query(max_length=20_000)] = None,
    service_code: Annotated[str | None, Query(max_length=2_000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int | None, Query(ge=1, description="Default open311_page_size.")] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Extension: 1-based page of `limit` cases.")] = 1,
) -> list[RequestOut]:
    """Most recent first. Given service_request_id (comma separated), the other filters are ignored (spec)."""
    settings = ctx.settings
    size = limit or settings.open311_page_size
    if size > settings.open311_page_size_max:
        raise ValidationFailed(f"limit may be at most {settings.open311_page_size_max}", field="limit")
    numbers = _csv(service_request_id)
    if len(numbers) > settings.open311_page_size_max:
        raise ValidationFailed(f"at most {settings.open311_page_size_max} service_request_id values", field="id")
    stmt = select(Ticket).options(lazyload(Ticket.assignments))
    if settings.open311_hidden_types:
        stmt = stmt.where(Ticket.ticket_type.not_in(settings.open311_hidden_types))
    if numbers:
        stmt = stmt.where(Ticket.number.in_(numbers))
    else:
        stmt = _filters(ctx, stmt, statuses=_csv(status),
                        start=_when(ctx, start_date, "start_date"), end=_when(ctx, end_date, "end_date"))
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(size).offset((page - 1) * size)
    with ctx.reader() as session:
        if not numbers and _csv(service_code):
            stmt = stmt.where(Ticket.category_id.in_(_category_ids(session, _csv(service_code))))
        return _present(ctx, session, list(session.scalars(stmt)))


def _filters(ctx: AppContext, stmt, *, statuses: list[str], start: datetime | None,
             end: datetime | None):
    wanted = set()
    for name in statuses:
        if name not in ("open", "closed"):
            raise ValidationFailed("status must be open or closed (comma separated for both)", field="status")
        wanted.update(OPEN if name == "open" else CLOSED)
    if wanted:
        stmt = stmt.where(Ticket.status.in_(sorted(wanted)))
    window = timedelta(days=ctx.settings.open311_window_days)
    if start is None and end is None:
        start = utcnow() - window
    elif start is not None and end is not None:
        if end < start:
            raise ValidationFailed("end_date lies before start_date", field="end_date")
        if end - start > window:
            raise ValidationFailed(f"start_date..end_date may span at most {window.days} days", field="end_date")
    if start is not None:
        stmt = stmt.where(Ticket.created_at >= start)
    if end is not None:
        stmt = stmt.where(Ticket.created_at <= end)
    return stmt


def _category_ids(session: Session, codes: list[str]) -> list[int]:
    found = dict(session.execute(select(Category.code, Category.id).where(Category.code.in_(codes))).all())
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(f"unknown service_code {', '.join(unknown)}", field="service_code")
    return list(found.values())


@router.get("/v2/requests/{request_id}.{fmt}", response_model=list[RequestOut])
def get_request(request_id: Annotated[str, Path(max_length=32)], ctx: Ctx) -> list[RequestOut]:
    """One case; a hidden one (举报) answers exactly like a missing one."""
    with ctx.reader() as session:
        ticket = service.find_ticket(session, number=request_id)
        if ticket is None or ticket.ticket_type in ctx.settings.open311_hidden_types:
            raise NotFound(f"ticket {request_id} not found")
        return _present(ctx, session, [ticket])


@router.get("/v2/tokens/{token}.{fmt}", response_model=list[TokenOut])
def get_token(token: Annotated[str, Path(max_length=80)], ctx: Ctx) -> list[TokenOut]:
    """The case a token (given by POST requests) stands for. Forged or guessed tokens, missing cases and hidden
    ones (举报) all get the same 404."""
    number = public_tokens.number_of(ctx.settings, token)
    with ctx.reader() as session:
        ticket = service.find_ticket(session, number=number) if number else None
    if ticket is None or ticket.ticket_type in ctx.settings.open311_hidden_types:
        raise NotFound(f"token {token} not found")
    return [TokenOut(token=token, service_request_id=ticket.number)]


# --- presenting cases without personal data ------------------------------------------------------

def _local(value: datetime, tz) -> datetime:
    return value.astimezone(tz).replace(microsecond=0)


def _present(ctx: AppContext, session: Session, tickets: list[Ticket]) -> list[RequestOut]:
    departments = service.department_names(session, ids={t.lead_department_id for t in tickets})
    merged = service.ticket_numbers(session, ids=[t.merged_into_id for t in tickets if t.merged_into_id])
    category_ids = {t.category_id for t in tickets if t.category_id is not None}
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(category_ids)))}
    tz = ctx.settings.tz
    out = []
    for t in tickets:
        phones = {p for p in [t.caller_phone, *(c.phone for c in t.callers)] if p}
        names = {n for n in [t.caller_name, *(c.name for c in t.callers)] if n}
        description, coordinates, media = split_content(t.content)
        coordinates = coordinates_of(t.address) or coordinates
        category = categories.get(t.category_id)
        closed = t.status in CLOSED
        if t.status == Status.MERGED.value:
            notes = f"本诉求已并入工单 {merged.get(t.merged_into_id, '')} 统一办理，请查询该工单的办理结果。"
        elif closed:
            notes = t.reply or "已办结。"
        else:
            notes = f"办理中（{LABELS_ZH.get(t.status, t.status)}）。"
        out.append(RequestOut(
            service_request_id=t.number, status="closed" if closed else "open",
            status_notes=redact(notes, phones=phones, names=names),
            service_name=category.name if category else None, service_code=category.code if category else None,
            description=redact(description, phones=phones, names=names) or "",
            agency_responsible=departments.get(t.lead_department_id),
            requested_datetime=_local(t.created_at, tz), updated_datetime=_local(t.updated_at, tz),
            expected_datetime=_local(t.due_at, tz),
            address=None if coordinates_of(t.address) else redact(t.address, phones=phones, names=names),
            lat=coordinates[0] if coordinates else None, long=coordinates[1] if coordinates else None,
            media_url=media,
        ))
    return out
