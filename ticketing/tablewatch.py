"""Per-process change counters for small reference tables that are cached in memory (deadline rules, the
category tree, departments, the dispatch catalogue).

Every statement this process sends that writes one of the watched tables (ORM flushes, Core statements, plain
SQL, a test's TRUNCATE) bumps the table's generation twice: when it is sent (so the writing transaction sees
its own edits) and when that connection commits or rolls back (so a reader that reloaded in between, from the
still-committed old rows, is invalidated too). Caches compare the generation instead of asking the database.
Writes by *other* processes are not seen: callers bound that staleness with a time limit (a setting).
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import Engine, event

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "ALTER", "DROP", "WITH", "COPY", "MERGE")
_PENDING = "tablewatch_pending"

_lock = threading.Lock()
_generations: dict[str, int] = {}
_pattern: re.Pattern[str] | None = None
_seen: dict[str, frozenset[str]] = {}  # statement text -> watched tables it writes (statements repeat)
_SEEN_MAX = 4096
_SEEN_MAX_CHARS = 4096


def watch(*tables: str) -> None:
    """Start counting writes to `tables` (idempotent)."""
    global _pattern
    with _lock:
        for table in tables:
            _generations.setdefault(table, 0)
        names = "|".join(sorted(re.escape(t) for t in _generations))
        _pattern = re.compile(rf"\b({names})\b", re.IGNORECASE)
        _seen.clear()


def generation(*tables: str) -> tuple[int, ...]:
    """The current counters of `tables` (they must be watched); compare with a cached copy."""
    return tuple(_generations[t] for t in tables)


def bump(*tables: str) -> None:
    """Count a change by hand (e.g. after a cache-relevant write the statement text would not show)."""
    with _lock:
        for table in tables:
            _generations[table] = _generations.get(table, 0) + 1


def _written_tables(statement: str) -> frozenset[str]:
    found = _seen.get(statement)
    if found is None:
        head = statement.lstrip()[:8].upper()
        found = frozenset() if _pattern is None or not head.startswith(_WRITE_VERBS) else \
            frozenset(m.lower() for m in _pattern.findall(statement))
        if len(statement) <= _SEEN_MAX_CHARS:
            if len(_seen) >= _SEEN_MAX:
                _seen.clear()
            _seen[statement] = found
    return found


@event.listens_for(Engine, "before_cursor_execute")
def _on_execute(conn, _cursor, statement, _parameters, _context, _many) -> None:
    tables = _written_tables(statement)
    if tables:
        bump(*tables)
        conn.info.setdefault(_PENDING, set()).update(tables)


def _on_end(conn) -> None:
    tables = conn.info.pop(_PENDING, None)
    if tables:
        bump(*tables)


event.listen(Engine, "commit", _on_end)
event.listen(Engine, "rollback", _on_end)
