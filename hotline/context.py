"""What a process holds once: settings, engine, session factory and the task queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.database import make_engine, make_session_factory
from hotline.settings import Settings

Enqueue = Callable[..., Any]


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    enqueue: Enqueue = field(default=lambda name, *args, **kwargs: None)
    reader: sessionmaker[Session] | None = None  # read-only sessions; derived from engine when not given

    def __post_init__(self) -> None:
        if self.reader is None:
            self.reader = make_session_factory(self.engine, readonly=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        engine = make_engine(settings.resolved_database_url, connect_timeout=settings.database_connect_timeout,
                             pool_timeout=settings.database_pool_timeout)
        context = cls(settings=settings, engine=engine, sessions=make_session_factory(engine))
        context.enqueue = _celery_enqueue
        return context

    @classmethod
    def for_command(cls, settings: Settings | None = None) -> AppContext:
        """The context of a `hotline …` command run on the server: the schema is brought up to date first."""
        from hotline.database import upgrade
        from hotline.settings import get_settings

        settings = settings or get_settings()
        upgrade(settings.resolved_database_url)
        return cls.from_settings(settings)


def _celery_enqueue(name: str, *args: Any, **kwargs: Any) -> Any:
    """Send a task by name after the flow has committed (flows never enqueue inside a transaction)."""
    from hotline.celery_app import celery

    return celery.send_task(name, args=args, kwargs=kwargs)
