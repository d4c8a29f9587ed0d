"""Open hours of the IVR ("08:00-12:00,13:30-20:00"): parsing and the is-open test. Standard library only."""

from __future__ import annotations

import re
from datetime import time

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_open_hours(spec: str) -> tuple[tuple[time, time | None], ...]:
    """"08:00-12:00,13:30-20:00" -> ((08:00, 12:00), (13:30, 20:00)); end None means 24:00.

    A range whose end is before its start wraps past midnight ("20:00-08:00")."""
    ranges = []
    for part in spec.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"open hours {part.strip()!r} is not like 08:00-20:00")
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(f"open hours {part.strip()!r} holds an impossible time")
        ranges.append((time(h1, m1), None if h2 == 24 else time(h2, m2)))
    return tuple(ranges)


def is_open(spec: str, at: time) -> bool:
    """Whether the local time of day `at` falls inside the open hours `spec`."""
    for start, end in parse_open_hours(spec):
        if end is None:
            if at >= start:
                return True
        elif start <= end:
            if start <= at < end:
                return True
        elif at >= start or at < end:
            return True
    return False
