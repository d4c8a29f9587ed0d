"""What the caller says the call is: 我要投诉, 我想表扬, 我举报, 建议… — a stated framing decides the ticket type
over the model's guess, because the caller knows what they are asking for. Pure: regular expressions only."""

from __future__ import annotations

import re

from ticketing.enums import TicketType

# Checked in this order: the first type whose cue appears (outside a negation) is the caller's framing.
# A praise call often tells the problem that was solved, a report often sounds like a complaint: the rarer,
# more deliberate framings come first.
CUES: tuple[tuple[TicketType, re.Pattern], ...] = (
    (TicketType.PRAISE, re.compile(r"(想|要|来|特别|专门|必须)(表扬|感谢|谢谢)|表扬(一下)?|送(面|个)?锦旗|感激")),
    (TicketType.REPORT, re.compile(r"举报|检举|揭发")),
    (TicketType.COMPLAINT, re.compile(r"投诉")),
    (TicketType.SUGGESTION, re.compile(r"(我|想|有个|提个|提一个|给你们提)(个|点)?建议|^建议|[，。,]建议|"
                                       r"(能不能|可不可以|希望|最好)(在|给).{0,12}(加|装|设|建|增设|安|修)个?")),
)
NEGATED = re.compile(r"(不是|不想|不要|没有|并非|不算)(要)?$")


def stated_type(text: str) -> TicketType | None:
    """The type the caller names for the call, or None when they do not."""
    for ticket_type, cue in CUES:
        for m in cue.finditer(text):
            if not NEGATED.search(text[max(0, m.start() - 4):m.start()]):
                return ticket_type
    return None


__all__ = ["CUES", "stated_type"]
