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
}
ROUTERS = ["agent_console.views_auth", "agent_console.live", "agent_console.views_queue",
           "agent_console.views_ticket", "agent_console.views_ticket_actions"]
ROUTERS += ["agent_console.views_kb", "agent_console.views_admin", "agent_console.views_admin_org",  # part 3
            "agent_console.views_admin_catalogue", "agent_console.views_admin_deadlines"]
ROUTERS += ["agent_console.views_workbench", "agent_console.views_supervision", "agent_console.views_dashboard"]
ROUTERS += ["agent_console.views_abuse", "agent_console.views_access"]
ROUTERS += ["agent_console.views_visits", "agent_console.views_visits_actions"]


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
        return FileResponse(vendor / rel, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    # After the vendor route: a mount placed first would shadow /static/vendor/….
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for path in ROUTERS:
        app.include_router(import_module(path).router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/console/login"})
        return RedirectResponse("/console/login", status_code=303)

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
