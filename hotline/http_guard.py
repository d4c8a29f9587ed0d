"""HTTP guard: one ASGI middleware in front of every route. It gives each request an id, caps the body size and
the JSON nesting depth before anything parses the body, rejects lone UTF-16 surrogates, rate-limits anonymous
routes, adds the console's security headers, and turns any unexpected exception into a logged 500 (a database
that cannot be reached: 503) that carries the request id and no traceback."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict

from sqlalchemy import exc as sa_exc

from hotline.settings import Settings

log = logging.getLogger(__name__)

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte except the brackets
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class GuardError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def json_depth(body: bytes, limit: int) -> int:
    """Nesting depth of a JSON text (strings skipped), counting no further than limit + 1."""
    brackets = _STRING.sub(b"", body).translate(None, _BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in (0x5B, 0x7B) else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def has_lone_surrogate(body: bytes) -> bool:
    """Whether a JSON string of the body holds a \\uD800–\\uDFFF escape that is not part of a valid pair."""
    if b"\\u" not in body and b"\\U" not in body:
        return False
    for match in _STRING.finditer(body):
        token = match.group()
        if b"\\u" not in token.lower():
            continue
        try:
            text = json.loads(token)
        except ValueError:
            return False  # malformed JSON: the route's own parser answers it
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            return True
    return False


class TokenBuckets:
    """In-process token buckets per key (route group + client address): `rate` tokens a minute, `burst` at most.
    Each process counts on its own; the cap on remembered keys keeps memory bounded."""

    def __init__(self, rate_per_minute: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate, self.burst, self.max_keys = rate_per_minute / 60.0, burst, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate if self.rate > 0 else 3600.0
            self._buckets[key] = (tokens - 1 if tokens >= 1 else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def _out_of_range(exc: BaseException) -> bool:
    """A value the database or datetime arithmetic cannot hold (ids ≥ 2^63, year 1 minus an offset, 9999 + days)."""
    if isinstance(exc, OverflowError | sa_exc.DataError):
        return True
    return isinstance(exc, sa_exc.StatementError) and isinstance(exc.orig, OverflowError)


def _database_down(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


class HttpGuard:
    """The middleware. `settings` is read per request, so tests may change limits on a running app."""

    def __init__(self, app, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.buckets = TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False
        path = scope.get("path", "")
        extra = self._security_headers(path) + [(b"x-request-id", request_id.encode())]

        async def send_with_headers(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            self._rate_limit(scope, path)
            receive = await self._checked_body(scope, receive)
            await self.app(scope, receive, send_with_headers)
        except GuardError as exc:
            if not started:
                await self._answer(send_with_headers, path, exc.status, exc.code, exc.message, request_id,
                                   exc.headers)
        except Exception as exc:  # the one place every unexpected error ends up
            if _out_of_range(exc):
                log.warning("request %s %s: value out of range: %s", request_id, path, exc.__class__.__name__)
                status, code, message, headers = 422, "validation_failed", "a value is out of range", {}
            elif _database_down(exc):
                log.error("request %s %s: database unavailable: %s", request_id, path, str(exc).splitlines()[0][:200])
                status, code, message = 503, "service_unavailable", "the database is unavailable; retry shortly"
                headers = {"Retry-After": "5"}
            else:
                log.exception("request %s %s failed", request_id, path)
                status, code, message, headers = 500, "internal_error", "internal error", {}
            if not started:
                await self._answer(send_with_headers, path, status, code, message, request_id, headers)

    # --- the checks ----------------------------------------------------------------------------------

    def _request_id(self, scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                if _REQUEST_ID.fullmatch(given):
                    return given
        return uuid.uuid4().hex

    def _rate_limit(self, scope, path: str) -> None:
        prefixes = self.settings.rate_limited_paths
        if self.settings.rate_limit_per_minute <= 0 or not any(path.startswith(p) for p in prefixes):
            return
        group = next(p for p in prefixes if path.startswith(p))
        client = (scope.get("client") or ("-", 0))[0]
        self.buckets.rate = self.settings.rate_limit_per_minute / 60.0
        self.buckets.burst = self.settings.rate_limit_burst
        wait = self.buckets.take(f"{group}|{client}")
        if wait > 0:
            raise GuardError(429, "too_many_requests", "too many requests; slow down",
                             {"Retry-After": str(max(1, int(wait + 0.999)))})

    async def _checked_body(self, scope, receive):
        """Read the whole body (at most http_max_body_bytes) before the app does; check JSON bodies."""
        if scope.get("method") not in BODY_METHODS:
            return receive
        cap = self.settings.http_max_body_bytes
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            raise GuardError(413, "payload_too_large", f"the request body may be at most {cap} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise GuardError(413, "payload_too_large", f"the request body may be at most {cap} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"").lower() and body:
            limit = self.settings.http_max_json_depth
            if json_depth(body, limit) > limit:
                raise GuardError(422, "validation_failed", f"JSON nested deeper than {limit} levels")
            if has_lone_surrogate(body):
                raise GuardError(422, "validation_failed", "text holds a lone UTF-16 surrogate (\\ud800–\\udfff)")
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def _security_headers(self, path: str) -> list[tuple[bytes, bytes]]:
        headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        if path.startswith("/console") or path == "/":
            headers += [(b"content-security-policy", self.settings.console_csp.encode()),
                        (b"x-frame-options", b"DENY")]
        return headers

    async def _answer(self, send, path: str, status: int, code: str, message: str, request_id: str,
                      headers: dict[str, str]) -> None:
        if path.startswith("/open311/"):  # Open311 answers bad input with 400, in its own error format
            status = 400 if status == 422 else status
            content = [{"code": status, "description": message}]
        else:
            content = {"error": code, "message": message, "request_id": request_id}
        body = json.dumps(content, ensure_ascii=False).encode()
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def install(app, settings: Settings) -> None:
    """Register the guard (outermost of the app's own middleware) and mask numbers in every log record."""
    from hotline import logmask

    logmask.install()
    app.add_middleware(HttpGuard, settings=settings)
