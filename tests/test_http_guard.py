"""The HTTP guard: body and JSON-depth caps before parsing, lone surrogates, rate limits, security headers,
and the catch-all that turns unexpected errors into a logged 500 / database 503 without a traceback."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError

from hotline.http_guard import TokenBuckets, has_lone_surrogate, json_depth

V2 = "/open311/v2"


def deep(n: int) -> str:
    return "[" * n + "]" * n


def test_json_depth_skips_strings_and_stops_early():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}', 10) == 3
    assert json_depth(b'"\\"[[["', 10) == 0
    assert json_depth(deep(2000).encode(), 32) == 33


def test_lone_surrogates_are_found_and_pairs_are_not():
    assert has_lone_surrogate(b'{"t": "\\ud800"}')
    assert has_lone_surrogate(b'{"t": "x\\uDC00y"}')
    assert not has_lone_surrogate(b'{"t": "\\ud83d\\ude00 \\u4e2d"}')  # an emoji pair and a Chinese character
    assert not has_lone_surrogate(b'{"t": "\\\\ud800"}')  # an escaped backslash, then plain text


@pytest.mark.parametrize("path", [f"{V2}/requests.json", "/api/v1/auth/token", "/api/v1/tickets"])
def test_2000_deep_json_is_refused_before_parsing(client, path):
    response = client.post(path, content=deep(2000), headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500 and "nested deeper" in response.text
    assert "Traceback" not in response.text


def test_body_over_the_cap_is_413(client, context):
    context.settings.http_max_body_bytes = 4096
    big = json.dumps({"description": "x" * 5000})
    response = client.post(f"{V2}/requests.json", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == [{"code": 413, "description": "the request body may be at most 4096 bytes"}]

    def chunks():  # no Content-Length: counted while reading
        for _ in range(10):
            yield b"x" * 1000

    streamed = client.post("/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"] == "payload_too_large"


def test_lone_surrogate_is_422(client, people):
    body = '{"title": "\\ud800", "content": "路灯坏了", "channel": "phone", "ticket_type": "complaint"}'
    response = client.post("/api/v1/tickets", content=body,
                           headers={**people["agent"], "Content-Type": "application/json"})
    assert response.status_code == 422 and "surrogate" in response.json()["message"]


def test_anonymous_routes_are_rate_limited_per_address(client, context):
    context.settings.rate_limit_burst = 3
    context.settings.rate_limit_per_minute = 1
    codes = [client.get(f"{V2}/services.json").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    limited = client.get(f"{V2}/services.json")
    assert int(limited.headers["retry-after"]) >= 1
    assert client.get("/healthz").status_code == 200  # staff and meta routes are not limited


def test_token_bucket_refills_at_its_rate():
    buckets = TokenBuckets(rate_per_minute=60, burst=2)
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0, 0, pytest.approx(1.0)]
    assert buckets.take("b", now=0.0) == 0  # another address has its own bucket
    assert buckets.take("a", now=1.5) == 0


def test_console_gets_csp_and_frame_headers(client):
    page = client.get("/console/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and " style=" not in page.text and "hx-on" not in page.text


@pytest.fixture
def failing_app(app):
    router = APIRouter()

    @router.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail /etc/passwd 13912345678")

    @router.get("/api/v1/_db_down")
    def db_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @router.get("/api/v1/_overflow")
    def overflow():
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    app.include_router(router)
    return app


def test_unexpected_error_is_a_logged_500_with_request_id_and_no_traceback(failing_app, caplog):
    from fastapi.testclient import TestClient

    with TestClient(failing_app) as client, caplog.at_level(logging.ERROR, logger="hotline.http_guard"):
        response = client.get("/api/v1/_boom", headers={"X-Request-ID": "probe-42"})
        assert response.status_code == 500
        assert response.json() == {"error": "internal_error", "message": "internal error", "request_id": "probe-42"}
        assert response.headers["x-request-id"] == "probe-42"
        assert "secret detail" not in response.text and "Traceback" not in response.text
        assert any("probe-42" in r.getMessage() and r.exc_info for r in caplog.records)
        # The logged message and traceback text carry no full caller number.
        assert not any("13912345678" in r.getMessage() for r in caplog.records)

        down = client.get("/api/v1/_db_down")
        assert down.status_code == 503 and down.headers["retry-after"] == "5"
        assert down.json()["error"] == "service_unavailable" and len(down.json()["request_id"]) == 32

        assert client.get("/api/v1/_overflow").status_code == 422


def test_a_bad_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces" and len(response.headers["x-request-id"]) == 32
