"""Open311 GeoReport v2 shapes for the hotline: the documents we answer with, the public vocabulary of the
`ticket_type` attribute, and the parsing of a citizen's POST (form-encoded or JSON) into a TicketCreate.

How a location is kept (the Ticket model has no coordinates): `lat`/`long` become a line "位置: lat,long" —
the ticket's address when no address_string was given, otherwise the last lines of the content. A media_url
becomes a line "附件: url" at the end of the content. GET answers parse both back and strip them from the
description, so a client reads what it sent.

Privacy: `redact` blanks phone-like numbers and the callers' numbers and names in any text a GET returns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hotline.errors import ValidationFailed
from hotline.redact import HIDDEN_PHONE, redact  # noqa: F401  (one redaction for every public output)
from ticketing.enums import LABELS_ZH, Channel, TicketType

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00+08:00"  # when this endpoint's behaviour last changed (discovery document)

TYPE_ATTRIBUTE = "ticket_type"
DEFAULT_TYPE = TicketType.COMPLAINT
PUBLIC_CHANNELS = {"web": Channel.WEB, "wechat": Channel.WECHAT}
MAX_ADDRESS_CHARS = 300  # Ticket.address column
MAX_NAME_CHARS = 100  # Ticket.caller_name column
MAX_URL_CHARS = 1000

LOCATION_PREFIX = "位置: "
MEDIA_PREFIX = "附件: "
_LOCATION = re.compile(r"位置: (-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")
_TRAILER = re.compile(r"^(位置|附件): ")


# --- documents we answer with -------------------------------------------------------------------


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = True
    type: str = "realtime"
    keywords: str = ""
    group: str | None


class AttributeValue(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool = True
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class RequestOut(BaseModel):
    """One case as the public sees it: no caller number, no caller name."""

    service_request_id: str
    status: str = Field(description="open | closed (closed also for cases merged into another)")
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    service_notice: str | None = None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime
    address: str | None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None
    long: float | None
    media_url: str | None


class CreatedOut(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None
    token: str | None = Field(None, description="Follow-up token for GET tokens/{token}.json (not guessable).")


class TokenOut(BaseModel):
    token: str
    service_request_id: str


class EndpointOut(BaseModel):
    specification: str = SPEC_URL
    url: str
    changeset: str = CHANGESET
    type: str = "production"
    formats: list[str] = ["application/json"]


class DiscoveryOut(BaseModel):
    changeset: str = CHANGESET
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


def ticket_type_attribute() -> AttributeOut:
    """The one attribute citizens set. Urgency is deliberately absent: agents triage it."""
    return AttributeOut(
        code=TYPE_ATTRIBUTE, datatype="singlevaluelist", required=False, order=1,
        description="诉求类型",
        datatype_description=f"请选择诉求类型，不选默认为“{LABELS_ZH[DEFAULT_TYPE.value]}”。",
        values=[AttributeValue(key=t.value, name=LABELS_ZH[t.value]) for t in TicketType],
    )


# --- parsing a POST --------------------------------------------------------------------------


class Submission(BaseModel):
    """A citizen's request after parsing; `content` and `address` are what the ticket stores."""

    service_code: str
    ticket_type: TicketType
    channel: Channel
    content: str
    address: str | None
    caller_phone: str | None
    caller_name: str | None


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    value = str(value).strip()
    return value or None


def _coordinate(raw: Mapping[str, Any], name: str, bound: float) -> float | None:
    text = _text(raw, name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(f"{name} must be a decimal number (WGS84 degrees)", field=name) from None
    if not math.isfinite(value) or abs(value) > bound:
        raise ValidationFailed(f"{name} must lie between -{bound:g} and {bound:g}", field=name)
    return value


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _ticket_type(raw: Mapping[str, Any]) -> TicketType:
    nested = raw.get("attribute")
    value = nested.get(TYPE_ATTRIBUTE) if isinstance(nested, dict) else raw.get(f"attribute[{TYPE_ATTRIBUTE}]")
    text = str(value).strip() if value is not None else ""
    if not text:
        return DEFAULT_TYPE
    for t in TicketType:
        if text in (t.value, LABELS_ZH[t.value]):
            return t
    allowed = ", ".join(f"{t.value} ({LABELS_ZH[t.value]})" for t in TicketType)
    raise ValidationFailed(f"attribute[{TYPE_ATTRIBUTE}] must be one of {allowed}", field=TYPE_ATTRIBUTE)


def _caller_name(raw: Mapping[str, Any]) -> str | None:
    first, last = _text(raw, "first_name"), _text(raw, "last_name")
    parts = [p for p in (first, last) if p]
    if not parts:
        return None
    if all(not p.isascii() for p in parts):
        name = "".join(p for p in (last, first) if p)  # Chinese order: surname first, no space
    else:
        name = " ".join(parts)
    if len(name) > MAX_NAME_CHARS:
        raise ValidationFailed(f"first_name and last_name together exceed {MAX_NAME_CHARS} characters",
                               field="first_name")
    return name


def parse_submission(raw: Mapping[str, Any], *, max_content_chars: int) -> Submission:
    """Check a POST against the spec and our limits; every problem is a ValidationFailed (→ 400)."""
    service_code = _text(raw, "service_code")
    if service_code is None:
        raise ValidationFailed("service_code is required", field="service_code")
    description = _text(raw, "description")
    if description is None:
        raise ValidationFailed("description is required", field="description")
    if len(description) > max_content_chars:
        raise ValidationFailed(f"description is longer than {max_content_chars} characters", field="description")
    lat, long = _coordinate(raw, "lat", 90), _coordinate(raw, "long", 180)
    if (lat is None) != (long is None):
        raise ValidationFailed("lat and long must be given together", field="lat" if lat is None else "long")
    address = _text(raw, "address_string")
    if address is None and lat is None:
        raise ValidationFailed("a location is required: lat and long, or address_string", field="address_string")
    if address is not None and len(address) > MAX_ADDRESS_CHARS:
        raise ValidationFailed(f"address_string is longer than {MAX_ADDRESS_CHARS} characters",
                               field="address_string")
    channel_name = (_text(raw, "channel") or "web").lower()
    if channel_name not in PUBLIC_CHANNELS:
        raise ValidationFailed(f"channel must be one of {', '.join(PUBLIC_CHANNELS)}", field="channel")

    trailer = []
    location = None if lat is None else f"{LOCATION_PREFIX}{_number(lat)},{_number(long)}"
    if location and address is not None:
        trailer.append(location)
    media_url = _text(raw, "media_url")
    if media_url is not None:
        if not re.match(r"https?://\S+$", media_url) or len(media_url) > MAX_URL_CHARS:
            raise ValidationFailed("media_url must be one http(s) URL", field="media_url")
        trailer.append(MEDIA_PREFIX + media_url)
    content = "\n".join([description, *trailer])

    return Submission(
        service_code=service_code, ticket_type=_ticket_type(raw), channel=PUBLIC_CHANNELS[channel_name],
        content=content, address=address if address is not None else location,
        caller_phone=_text(raw, "phone"), caller_name=_caller_name(raw),
    )


# --- reading stored text back ----------------------------------------------------------------


def split_content(content: str) -> tuple[str, tuple[float, float] | None, str | None]:
    """(description, coordinates from a trailing location line, media url) of stored content."""
    lines = content.split("\n")
    coordinates, media = None, None
    while len(lines) > 1 and _TRAILER.match(lines[-1]):
        line = lines.pop()
        if line.startswith(MEDIA_PREFIX):
            media = media or line[len(MEDIA_PREFIX):]
        else:
            coordinates = coordinates or coordinates_of(line)
    return "\n".join(lines), coordinates, media


def coordinates_of(text: str | None) -> tuple[float, float] | None:
    match = _LOCATION.fullmatch(text.strip()) if text else None
    return (float(match.group(1)), float(match.group(2))) if match else None


