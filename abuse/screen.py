"""The CallerScreen the SIP worker loads (HOTLINE_TELEPHONY_CALLER_SCREEN, default
"abuse.screen:abuse_screen"): blacklisted callers are blocked and each attempt is logged; a
caller with an unwarned incident hears the warning first, and is marked warned once it was played."""

from __future__ import annotations

from abuse import flows
from hotline.context import AppContext
from telephony.port import Screening


class AbuseScreen:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def screen(self, caller: str | None) -> Screening:
        return flows.screen_caller(self.ctx, caller=caller)

    def warned(self, caller: str, *, call_id: int | None = None) -> int:
        return flows.mark_warned(self.ctx, caller=caller, call_id=call_id)


def abuse_screen(ctx: AppContext) -> AbuseScreen:
    return AbuseScreen(ctx)
