"""Prompt keys that are built from values: a digit ("digit_7") and a ticket status ("status_accepted")."""

from __future__ import annotations


def digit_key(digit: str) -> str:
    """Prompt key that speaks one digit, e.g. "7" -> "digit_7"."""
    return f"digit_{digit}"


def status_key(status: str) -> str:
    """Prompt key that speaks a ticket status, e.g. "accepted" -> "status_accepted"."""
    return f"status_{status}"
