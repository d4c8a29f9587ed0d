"""The one error tree. Domain code raises these; vendor exceptions are mapped to them at the boundary;
`wiring.app` maps them to HTTP in one handler."""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    """Base of every error the platform raises on purpose."""

    http_status = 500
    code = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (Retry-After, Content-Range)."""
        return {}


class ValidationFailed(HotlineError):
    http_status = 422
    code = "validation_failed"


class NotFound(HotlineError):
    http_status = 404
    code = "not_found"


class Unauthenticated(HotlineError):
    http_status = 401
    code = "unauthenticated"


class PermissionDenied(HotlineError):
    http_status = 403
    code = "permission_denied"


class Locked(HotlineError):
    """The account is temporarily locked (too many failed logins)."""

    http_status = 423
    code = "locked"


class Conflict(HotlineError):
    http_status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """The action is not allowed from the ticket's current state."""

    code = "invalid_transition"


class ConcurrentUpdate(Conflict):
    """Someone else changed the record between read and write; retry."""

    code = "concurrent_update"


class CalendarUnknown(HotlineError):
    """The working-day calendar has no data for a year (library not updated yet)."""

    code = "calendar_unknown"


class VendorError(HotlineError):
    """A third-party system (SIP, ASR, SMS) failed; `retryable` tells callers whether to try again."""

    http_status = 502
    code = "vendor_error"

    def __init__(self, message: str, *, retryable: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.retryable = retryable


class TtsUnavailable(VendorError):
    """The text-to-speech engine is not installed (the message says how to install it)."""

    http_status = 503
    code = "tts_unavailable"


class TtsFailed(VendorError):
    """Text-to-speech failed while rendering prompts."""

    code = "tts_failed"


class AsrUnavailable(VendorError):
    """No speech recognition model is installed (the message says how to install one)."""

    http_status = 503
    code = "asr_unavailable"


class AsrFailed(VendorError):
    """Speech recognition failed on one recording; `retryable` is False for unreadable input."""

    code = "asr_failed"


class ConfigurationError(HotlineError):
    code = "configuration_error"


class RangeNotSatisfiable(HotlineError):
    """A Range header that is malformed or lies outside the file (HTTP 416, nothing is served)."""

    http_status = 416
    code = "range_not_satisfiable"

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.details.get('size', '*')}"}


class PayloadTooLarge(HotlineError):
    http_status = 413
    code = "payload_too_large"


class TooManyRequests(HotlineError):
    """A rate limit or login throttle; details carry retry_after (seconds)."""

    http_status = 429
    code = "too_many_requests"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, int(self.details.get("retry_after", 1))))}


class ServiceUnavailable(HotlineError):
    """The database (or another backing service) is unreachable right now; retry shortly."""

    http_status = 503
    code = "service_unavailable"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, int(self.details.get("retry_after", 1))))}
