"""The embedded broker's file: created once with a marker beside it, so a deleted file is refused at start."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from hotline.errors import ConfigurationError

SCHEME = "hotline-sqlite"  # URL scheme of the embedded broker (hotline.broker registers it)


def _now() -> datetime:
    return datetime.now(UTC)


MARKER_SUFFIX = ".created"


def check_file(path: Path) -> None:
    """Refuse to start on a broker file that was deleted: a marker beside it remembers that it existed.

    Without the check, SQLite would silently make a new empty file — and processes still holding the old
    (deleted) one would keep queueing into it, so tasks vanish without a word."""
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if path.exists():
        if not marker.exists():
            marker.write_text(f"{_now().isoformat()}\n", encoding="utf-8")
        return
    if marker.exists():
        since = marker.read_text(encoding="utf-8").strip()
        raise ConfigurationError(
            f"the embedded broker file {path} is missing, but this data directory had one (created {since}): "
            f"it was deleted or moved. Tasks queued in it are lost (the beat sweeps re-enqueue due work). "
            f"Restore the file, or delete {marker} to start with a new empty broker.")
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).close()
    marker.write_text(f"{_now().isoformat()}\n", encoding="utf-8")


def check_settings(settings) -> None:
    """`check_file` for the configured broker, when it is the embedded one (no-op for Redis etc.)."""
    url = settings.resolved_broker_url
    if url.startswith(SCHEME + "://"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            check_file(Path(path))
