"""Ticket use cases. Each takes IDs (ticket numbers) and an Actor, checks the state machine, writes the
event, commits, and only then enqueues follow-up work."""

from ticketing.flows.handling import accept, add_note, close, contact, reply, send_back
from ticketing.flows.intake import answer, create_ticket, dispatch, merge, triage
from ticketing.flows.phone import attach_transcript
from ticketing.flows.review import (
    decide_extension,
    reopen,
    request_extension,
    request_return,
    review_return,
    supervise,
)
from ticketing.flows.satisfaction import record_satisfaction
from ticketing.flows.sweep import sweep_lights

__all__ = [
    "accept",
    "add_note",
    "answer",
    "attach_transcript",
    "close",
    "contact",
    "create_ticket",
    "decide_extension",
    "dispatch",
    "merge",
    "record_satisfaction",
    "reopen",
    "reply",
    "request_extension",
    "request_return",
    "review_return",
    "send_back",
    "supervise",
    "sweep_lights",
    "triage",
]
