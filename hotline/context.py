"""What a process holds once: settings, engine, session factory and the task queue.

The queue is Celery, but this ground floor never imports the Celery app: the composition root (`wiring`)
installs the sender with `install_enqueue()` when it is imported (API, CLI and worker processes all start
there). `worker_context()` is the context of a worker process, built after the pool has forked."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.database import make_engine, make_session_factory
from hotline.errors import ConfigurationError
from hotline.settings import Settings, get_settings

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
        context.enqueue = _send
        return context

    @classmethod
    def for_command(cls, settings: Settings | None = None) -> AppContext:
        """The context of a `hotline …` command run on the server: the schema is brought up to date first."""
        from hotline.database import upgrade

        settings = settings or get_settings()
        upgrade(settings.resolved_database_url)
        return cls.from_settings(settings)


_sender: Enqueue | None = None


def install_enqueue(sender: Enqueue) -> None:
    """Called by the composition root: how contexts built from settings send a task by name."""
    global _sender
    _sender = sender


def _send(name: str, *args: Any, **kwargs: Any) -> Any:
    """Send a task by name after the flow has committed (flows never enqueue inside a transaction)."""
    if _sender is None:
        raise ConfigurationError(f"cannot enqueue {name}: no task queue installed (import wiring first)")
    return _sender(name, *args, **kwargs)


_context: AppContext | None = None
_context_pid: int | None = None
_context_lock = threading.Lock()


def worker_context() -> AppContext:
    """The AppContext of this process, built on first use (so after the pool has forked)."""
    global _context, _context_pid
    with _context_lock:
        if _context is None or _context_pid != os.getpid():
            _context = AppContext.from_settings(get_settings())
            _context_pid = os.getpid()
        return _context
