"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hotline.context import AppContext


def get_context(request: Request) -> AppContext:
    return request.app.state.context


def _serve(factory) -> Iterator[Session]:
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    yield from _serve(request.app.state.context.sessions)


def get_reader(request: Request) -> Iterator[Session]:
    """A read-only session (never holds the SQLite write lock while a flow writes)."""
    yield from _serve(request.app.state.context.reader)


# The annotations every router uses (import these; do not redefine them in a view module).
Ctx = Annotated[AppContext, Depends(get_context)]
DbSession = Annotated[Session, Depends(get_session)]
ReadSession = Annotated[Session, Depends(get_reader)]  # reads never take the SQLite write lock
