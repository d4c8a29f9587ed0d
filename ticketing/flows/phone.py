"""Phone-channel use cases on tickets: a transcript that arrives after the case was registered."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.errors import ValidationFailed
from ticketing import service
from ticketing.enums import Channel
from ticketing.flows.common import assign, limit_text, run, transition
from ticketing.org.auth import Actor

# Content of a phone case registered before its transcript existed; attach_transcript replaces it.
PENDING_MARK = "【转写失败】"
EMPTY_MARK = "【转写为空】"
MARKS = (PENDING_MARK, EMPTY_MARK)
TITLE_CHARS = 30


def placeholder_content(mark: str, *, caller: str | None, seconds: float) -> str:
    who = caller or "未知号码"
    return f"{mark}来电 {who}，录音 {seconds:.0f} 秒，语音转写暂不可用，请收听录音。系统将自动重试转写。"


def attach_transcript(ctx: AppContext, *, number: str, transcript: str, actor: Actor,
                      suggestions: dict | None = None) -> bool:
    """Fill in the transcript of a phone case registered with a failed or empty transcription: the
    placeholder content and title are replaced (other content is kept and the transcript appended), the
    search index is refreshed and a "transcribe" event is written. Returns False (and changes nothing)
    when the case already has this transcript."""
    from ticketing.textsearch import segment

    text = transcript.strip()
    if not text:
        raise ValidationFailed("transcript is empty", field="transcript")
    limit_text(text, limit=ctx.settings.max_content_chars, field="transcript")

    def work(session: Session) -> bool:
        ticket = service.get_ticket(session, number=number, for_update=True)
        if ticket.channel != Channel.PHONE.value:
            raise ValidationFailed(f"ticket {number} did not come in by phone", field="number")
        if (ticket.transcript or "").strip() == text:
            return False
        if ticket.content.startswith(MARKS):
            content = text
        else:
            content = f"{ticket.content}\n\n【录音转写】{text}"
        limit_text(content, limit=ctx.settings.max_content_chars, field="content")
        title = text[:TITLE_CHARS] if ticket.title.startswith(MARKS) or not ticket.title else ticket.title
        hints = dict(ticket.suggestions or {})
        if suggestions:
            hints.update(suggestions)
        changes = assign(ticket, content=content, title=title, transcript=text)
        ticket.search_tokens = segment(f"{title} {content} {ticket.address or ''}")
        if hints != (ticket.suggestions or {}):
            ticket.suggestions = hints
        transition(session, ticket, actor, "transcribe", changes=changes)
        return True

    return run(ctx, work)


def add_suggestions(ctx: AppContext, *, number: str, suggestions: dict) -> None:
    """Merge machine suggestions (classifier output) into a case's hints; no event, the case is unchanged."""
    if not suggestions:
        return

    def work(session: Session) -> None:
        ticket = service.get_ticket(session, number=number, for_update=True)
        merged = {**(ticket.suggestions or {}), **suggestions}
        if merged != (ticket.suggestions or {}):
            ticket.suggestions = merged

    run(ctx, work)
