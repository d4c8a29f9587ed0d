"""Console login, logout and the role-based landing page."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent_console.session import COOKIE, CheckedActor, ConsoleActor
from agent_console.templating import error_text, templates
from hotline.errors import HotlineError
from ticketing.enums import Role
from ticketing.org import flows as org_flows

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN_CSRF = "hotline_login_csrf"
HOME = {Role.AGENT: "/console/queue", Role.DEPARTMENT: "/console/workbench",
        Role.SUPERVISOR: "/console/supervision", Role.ADMIN: "/console/admin"}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)  # double-submit token: the login form has no session yet
    response = templates.TemplateResponse(request, "login.html", {"login_csrf": token, "error": error})
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request))
    return response


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], csrf_token: Annotated[str, Form()] = "") -> Response:
    expected = request.cookies.get(LOGIN_CSRF) or ""
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return login_page(request, error="页面已过期，请重新登录")
    ctx = request.app.state.context
    try:
        with ctx.sessions() as session:
            issued = org_flows.login(session, settings=ctx.settings, username=username, password=password,
                                     client=request.client.host if request.client else "-")
    except HotlineError as exc:
        message = "用户名或密码错误" if exc.code == "unauthenticated" else error_text(exc)
        return login_page(request, error=message)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(COOKIE, issued.access_token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=ctx.settings.token_ttl_hours * 3600, path="/")
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, _actor: CheckedActor) -> Response:
    ctx = request.app.state.context
    with ctx.sessions() as session:
        org_flows.logout(session, token=request.cookies[COOKIE])
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("")
def home(actor: ConsoleActor) -> RedirectResponse:
    return RedirectResponse(HOME.get(actor.role, "/console/login"), status_code=303)
