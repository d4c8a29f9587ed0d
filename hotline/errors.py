"""The one error tree. Domain code raises these; vendor exceptions are mapped to them at the boundary;
`wiring.app` maps them to HTTP in one handler."""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    """Base of every error the platform raises on purpose.

    Subclasses name their HTTP answer as class keywords: `class NotFound(HotlineError, http_status=404,
    code="not_found")`; `retry_after=True` adds a Retry-After header from the `retry_after` detail."""

    http_status = 500
    code = "internal_error"
    retry_after = False

    def __init_subclass__(
        cls, *, http_status: int | None = None, code: str | None = None, retry_after: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if http_status is not None:
            cls.http_status = http_status
        if code is not None:
            cls.code = code
        if retry_after is not None:
            cls.retry_after = retry_after

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (Retry-After, Content-Range)."""
        if self.retry_after:
            return {"Retry-After": str(max(1, int(self.details.get("retry_after", 1))))}
        return {}


class ValidationFailed(HotlineError, http_status=422, code="validation_failed"):
    """Input that breaks a rule of the domain (beyond what the schema checks)."""


class NotFound(HotlineError, http_status=404, code="not_found"):
    """The record does not exist, or the caller may not know that it does."""


class Unauthenticated(HotlineError, http_status=401, code="unauthenticated"):
    """No valid credentials."""


class PermissionDenied(HotlineError, http_status=403, code="permission_denied"):
    """Authenticated, but the role or scope does not allow this."""


class Locked(HotlineError, http_status=423, code="locked"):
    """The account is temporarily locked (too many failed logins)."""


class Conflict(HotlineError, http_status=409, code="conflict"):
    """The request clashes with the record's current state."""


class InvalidTransition(Conflict, code="invalid_transition"):
    """The action is not allowed from the ticket's current state."""


class ConcurrentUpdate(Conflict, code="concurrent_update"):
    """Someone else changed the record between read and write; retry."""


class CalendarUnknown(HotlineError, code="calendar_unknown"):
    """The working-day calendar has no data for a year (library not updated yet)."""


class VendorError(HotlineError, http_status=502, code="vendor_error"):
    """A third-party system (SIP, ASR, SMS) failed; `retryable` tells callers whether to try again."""

    def __init__(self, message: str, *, retryable: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.retryable = retryable


class TtsUnavailable(VendorError, http_status=503, code="tts_unavailable"):
    """The text-to-speech engine is not installed (the message says how to install it)."""


class TtsFailed(VendorError, code="tts_failed"):
    """Text-to-speech failed while rendering prompts."""


class AsrUnavailable(VendorError, http_status=503, code="asr_unavailable"):
    """No speech recognition model is installed (the message says how to install one)."""


class AsrFailed(VendorError, code="asr_failed"):
    """Speech recognition failed on one recording; `retryable` is False for unreadable input."""


class ConfigurationError(HotlineError, code="configuration_error"):
    """A setting or an installed file is missing or wrong."""


class RangeNotSatisfiable(HotlineError, http_status=416, code="range_not_satisfiable"):
    """A Range header that is malformed or lies outside the file (HTTP 416, nothing is served)."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.details.get('size', '*')}"}


class PayloadTooLarge(HotlineError, http_status=413, code="payload_too_large"):
    """The request body exceeds the configured limit."""


class TooManyRequests(HotlineError, http_status=429, code="too_many_requests", retry_after=True):
    """A rate limit or login throttle; details carry retry_after (seconds)."""


class ServiceUnavailable(HotlineError, http_status=503, code="service_unavailable", retry_after=True):
    """The database (or another backing service) is unreachable right now; retry shortly."""
