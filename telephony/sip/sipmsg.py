"""Reading the few headers the worker needs from a raw SIP request (pure functions, no pjsua2)."""

from __future__ import annotations

import re

_USER = re.compile(r"(?:sips?|tel):([^@;>\s]+)", re.IGNORECASE)


def header_user(message: str, names: tuple[str, ...]) -> str | None:
    """User part of the URI of the first header among `names` (case-insensitive) in a raw SIP message."""
    head = message.split("\r\n\r\n", 1)[0]
    for name in names:
        for line in head.split("\r\n")[1:]:
            field, _, value = line.partition(":")
            if field.strip().lower() == name:
                match = _USER.search(value)
                if match:
                    return match.group(1)[:128]
    return None


def header_value(message: str, names: tuple[str, ...]) -> str | None:
    head = message.split("\r\n\r\n", 1)[0]
    for line in head.split("\r\n")[1:]:
        field, _, value = line.partition(":")
        if field.strip().lower() in names and value.strip():
            return value.strip()
    return None


def request_user(message: str) -> str | None:
    first = message.split("\r\n", 1)[0]
    match = _USER.search(first)
    return match.group(1)[:64] if match else None
