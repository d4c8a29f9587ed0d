"""Wires the console into the FastAPI app: static files (own and npm-installed), routers, errors as pages."""

from __future__ import annotations

import logging
from importlib import import_module
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from agent_console.session import LoginRequired
from agent_console.templating import error_text, templates
from hotline.errors import ConfigurationError, HotlineError

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
# Files the console serves from npm packages installed into agent_console/node_modules (no CDN).
VENDOR = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "chart.umd.js": "chart.js/dist/chart.umd.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",  # the API docs at /docs, offline
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}
ROUTERS = ["agent_console.views_auth", "agent_console.live", "agent_console.views_queue",
           "agent_console.views_intake",  # before views_ticket: /console/tickets/new is not a case number
           "agent_console.views_ticket", "agent_console.views_ticket_actions"]
ROUTERS += ["agent_console.views_kb", "agent_console.views_admin", "agent_console.views_admin_org",  # part 3
            "agent_console.views_admin_catalogue", "agent_console.views_admin_deadlines"]
ROUTERS += ["agent_console.views_workbench", "agent_console.views_supervision", "agent_console.views_dashboard"]
ROUTERS += ["agent_console.views_abuse", "agent_console.views_access", "agent_console.glossary",
            "agent_console.messages"]
ROUTERS += ["agent_console.views_acd"]
ROUTERS += ["agent_console.views_visits", "agent_console.views_visits_actions"]
ROUTERS += ["agent_console.views_reports"]
ROUTERS += ["agent_console.views_triage"]  # issue 11: 转警/转急救, undo of an automatic dispatch


def install(app: FastAPI) -> None:
    vendor = HERE / "node_modules"
    missing = [name for name, rel in VENDOR.items() if not (vendor / rel).is_file()]
    if missing:
        log.warning("console libraries missing (%s): run `npm ci` in agent_console/ (scripts/install.sh does)",
                    ", ".join(missing))

    @app.get("/static/vendor/{name}", include_in_schema=False)
    def vendor_file(name: str) -> Response:
        from fastapi.responses import FileResponse

        rel = VENDOR.get(name)
        if rel is None or not (vendor / rel).is_file():
            raise ConfigurationError(f"console library {name} is not installed (npm ci in agent_console/)")
        return FileResponse(vendor / rel, media_type="text/css" if name.endswith(".css") else "text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    _offline_docs(app)

    # After the vendor route: a mount placed first would shadow /static/vendor/….
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for path in ROUTERS:
        app.include_router(import_module(path).router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/console/login"})
        return RedirectResponse("/console/login", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:  # pages link /static/favicon.svg; this serves clients that only guess
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)


def is_console(request: Request) -> bool:
    return request.url.path.startswith("/console")


def render_error(request: Request, exc: HotlineError) -> HTMLResponse:
    """Console errors in words: a toast for htmx requests, a page otherwise — never a stack trace."""
    message = error_text(exc)
    if request.headers.get("HX-Request"):
        # htmx does not swap error responses; console.js shows this fragment as a toast.
        return templates.TemplateResponse(request, "_toast.html", {"message": message, "kind": "error"},
                                          status_code=exc.http_status, headers=exc.headers)
    return templates.TemplateResponse(request, "error.html", {"message": message}, status_code=exc.http_status,
                                      headers=exc.headers)


def _offline_docs(app: FastAPI) -> None:
    """/docs from the npm-installed Swagger UI instead of FastAPI's CDN page (blank without internet); the
    page has no inline script. /redoc, which only exists on a CDN, leads to /docs."""
    docs = {app.docs_url, app.redoc_url} - {None}
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) not in docs]

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "api_docs.html", {"title": app.title,
                                                                     "openapi_url": app.openapi_url})

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=307)

