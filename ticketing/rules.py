"""Seed rules of the ticket domain that several packages apply, each defined once: the repeat-complaint
window, and which return-visit ratings are "dissatisfied" (a rating of 2 or less reopens the case with
再督办) — the Python predicate with its SQLAlchemy twin. The deadline light and the 三率 live in
`ticketing.deadlines.signals` and `ticketing.rates`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.sql.elements import ColumnElement

from ticketing.enums import Satisfaction

# The return-visit score of each rating: 5 非常满意 … 1 非常不满意 (survey keys and SMS replies map onto it).
SCORES: dict[Satisfaction, int] = {
    Satisfaction.VERY_SATISFIED: 5, Satisfaction.SATISFIED: 4, Satisfaction.BASIC: 3,
    Satisfaction.DISSATISFIED: 2, Satisfaction.VERY_DISSATISFIED: 1,
}
DISSATISFIED_MAX_SCORE = 2  # a score at or below this is dissatisfied: the case is reopened (再督办)
DISSATISFIED = tuple(s for s, score in SCORES.items() if score <= DISSATISFIED_MAX_SCORE)


def is_dissatisfied(rating: Satisfaction | str | None) -> bool:
    """True for 不满意 and 非常不满意."""
    return rating is not None and SCORES[Satisfaction(rating)] <= DISSATISFIED_MAX_SCORE


def dissatisfied_score(score: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL twin of `is_dissatisfied` over a 1–5 score column (e.g. ReturnVisit.rating)."""
    return score <= DISSATISFIED_MAX_SCORE


def dissatisfied_rating(rating: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL twin of `is_dissatisfied` over a Satisfaction column (e.g. Ticket.satisfaction)."""
    return rating.in_([s.value for s in DISSATISFIED])


def repeat_since(settings, *, created_at: datetime) -> datetime:
    """Start of the window in which an earlier case of the same caller, or the same address and category,
    is a repeat of a case registered at `created_at` (HOTLINE_REPEAT_WINDOW_DAYS)."""
    return created_at - timedelta(days=settings.repeat_window_days)
