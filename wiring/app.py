"""FastAPI application factory: wires settings, database, routers and the one domain-error handler."""

from __future__ import annotations

import logging
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm.exc import StaleDataError

from agent_console import web as console
from hotline import http_guard, openapi_doc
from hotline.context import AppContext
from hotline.errors import ConcurrentUpdate, HotlineError
from hotline.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Each module exposes `router`; the order is the order in the OpenAPI document.
ROUTERS = [
    "ticketing.org.views",
    "ticketing.views",
    "ticketing.deadlines.views",
    "ticketing.kb.views",
    "ticketing.open311",
    "ticketing.reports_views",
    "ivr.views",
    "abuse.views",
    "acd.views",
    "callbacks.views",
    "ticketing.triage.views",
    "ticketing.access.views",
    "reports.views",
    "agent_console.views_public",
]


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    settings = settings or get_settings()
    context = context or AppContext.from_settings(settings)
    app = FastAPI(
        title="12345 政务服务便民热线",
        version="0.1.0",
        description="Tickets (工单), dispatch, deadlines and return visits for a 12345 hotline.",
    )
    app.state.context = context
    for path in ROUTERS:
        app.include_router(import_module(path).router)

    console.install(app)
    http_guard.install(app, settings)  # body/JSON caps, rate limits, security headers, catch-all 500/503
    openapi_doc.install(app, settings)  # every error status code and body declared on every operation

    @app.exception_handler(HotlineError)
    async def _domain_error(request: Request, exc: HotlineError) -> Response:
        if console.is_console(request):
            return console.render_error(request, exc)
        return error_response(exc)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _exc: StaleDataError) -> Response:
        return await _domain_error(request, ConcurrentUpdate("the record was changed by someone else; reload and retry"))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"][1:]) or "body", "message": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={"error": "validation_failed", "message": "invalid request", "problems": problems},
        )

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        with context.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    return app


def error_response(exc: HotlineError) -> JSONResponse:
    body = {"error": exc.code, "message": exc.message}
    if exc.details:
        body["details"] = exc.details
    return JSONResponse(status_code=exc.http_status, content=body, headers=exc.headers)
