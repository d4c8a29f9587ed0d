"""Console sessions: the login token lives in an HttpOnly cookie; every form and htmx request carries a
CSRF token derived from it (unguessable without the cookie, nothing extra stored)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Form, Header, Request

from hotline.errors import PermissionDenied, Unauthenticated
from ticketing.enums import Role
from ticketing.org.auth import Actor, actor_for_token

COOKIE = "hotline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """Raised by console dependencies; the console answers with a redirect to the login page."""


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"hotline-csrf:" + session_token.encode()).hexdigest()


def console_actor(request: Request) -> Actor:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    try:
        with request.app.state.context.reader() as session:
            actor = actor_for_token(session, token=token)
    except Unauthenticated as exc:
        raise LoginRequired() from exc
    request.state.actor = actor
    request.state.csrf = csrf_for(token)
    return actor


def check_csrf(
    request: Request,
    actor: Annotated[Actor, Depends(console_actor)],
    header: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    form_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Actor:
    """For every state-changing console request: the token must match this session's."""
    sent = header or form_token or ""
    if not hmac.compare_digest(sent, request.state.csrf):
        raise PermissionDenied("CSRF token missing or wrong; reload the page")
    return actor


def require(*roles: Role):
    def dependency(actor: Annotated[Actor, Depends(console_actor)]) -> Actor:
        actor.require(*roles)
        return actor

    return dependency


ConsoleActor = Annotated[Actor, Depends(console_actor)]
CheckedActor = Annotated[Actor, Depends(check_csrf)]
