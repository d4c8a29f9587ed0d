"""What a search box's words mean: a case number, a caller's full number or its last four digits (only for
roles that may see numbers), a caller's name as registered (张先生), or else words of the content, title
and address (full-text search)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from hotline.context import AppContext
from hotline.errors import ValidationFailed
from ticketing import phones
from ticketing.models import Ticket
from ticketing.org.auth import Actor

CASE_NUMBER = re.compile(r"\d{13}")  # yyyymmdd + 5-digit daily sequence (flows.intake.create_ticket)
DIALLED = re.compile(r"[+\d\s\-()]+")
KIND_ZH = {"number": "工单编号", "phone": "来电号码", "caller_tail": "号码后四位", "caller_name": "来电人",
           "text": "内容、标题、地址"}


@dataclass(frozen=True)
class Search:
    kind: str  # number | phone | caller_tail | caller_name | text
    fields: dict[str, str]  # TicketFilter fields to set

    @property
    def identity(self) -> bool:
        """A search for one case or one caller: it looks across every status."""
        return self.kind != "text"

    @property
    def label(self) -> str:
        return KIND_ZH[self.kind]


def interpret(ctx: AppContext, *, q: str, actor: Actor) -> Search:
    q = q.strip()
    sees = actor.role.value in ctx.settings.roles_seeing_caller
    compact = re.sub(r"[\s\-()]", "", q)
    if CASE_NUMBER.fullmatch(compact):
        return Search("number", {"number": compact})
    if sees and DIALLED.fullmatch(q):
        digits = compact.lstrip("+")
        if len(digits) == 4 and digits.isdigit():
            return Search("caller_tail", {"caller_tail": digits})
        if len(digits) >= 7:
            try:
                phone = phones.normalize(q)
            except ValidationFailed:
                phone = None
            if phone:
                return Search("phone", {"caller_phone": phone})
    if 1 <= len(q) <= 100 and not q.isdigit():
        with ctx.reader() as session:
            named = session.scalar(select(Ticket.id).where(Ticket.caller_name == q).limit(1))
        if named is not None:
            return Search("caller_name", {"caller_name": q})
    return Search("text", {"text": q})
