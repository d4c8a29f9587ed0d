"""Reading console form and query fields: each helper turns one raw string into a value or raises
ValidationFailed naming the field, which the console's error handler shows in words."""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hotline.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


def form_model(schema: type[M], **values: Any) -> M:
    """Validate form input with the API's schema; the first problem becomes a ValidationFailed naming it."""
    try:
        return schema(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(first["msg"], field=str(first["loc"][0]) if first["loc"] else None) from None


def form_int(value: str | None, *, field: str) -> int | None:
    """An optional id or number ('' → None)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be a whole number", field=field) from None


def required_text(value: str | None, *, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{field} is required", field=field)
    return value


def choice(value: str | None, allowed: type[Enum], *, field: str, required: bool = False) -> str | None:
    """One of the enum's values; '' → None unless `required`."""
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required", field=field)
        return None
    if value not in {member.value for member in allowed}:
        raise ValidationFailed(f"unknown {field} {value!r}", field=field)
    return value


def form_day(value: str | None, *, field: str, required: bool = False) -> date | None:
    """A calendar day in ISO form; '' → None unless `required`."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required", field=field)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def with_notice(response: Response, notice: str) -> Response:
    """Attach a success toast that console.js shows (ASCII-escaped JSON in the HX-Trigger header)."""
    response.headers["HX-Trigger"] = json.dumps({"hotline-notice": notice})
    return response
