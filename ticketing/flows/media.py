"""Call recordings: who may listen, where the file lies, and the audit trail of every access."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import NotFound, PermissionDenied
from ticketing import service
from ticketing.flows.common import load, run, transition
from ticketing.org.auth import Actor

RECORDINGS = "recordings"


def recordings_root(ctx: AppContext) -> Path:
    return (ctx.settings.data_dir / RECORDINGS).resolve()


def resolve_recording(root: Path, recording_url: str) -> Path:
    """The file a ticket's recording_url names: relative to `root`, or absolute inside it. Anything that
    resolves outside `root` (``..``, symlinks, other absolute paths, URLs) is refused."""
    if "\x00" in recording_url or "://" in recording_url:
        raise PermissionDenied("recording location refused", field="recording_url")
    candidate = Path(recording_url)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not path.is_relative_to(root):
        raise PermissionDenied("recording lies outside the recordings directory", field="recording_url")
    return path


def _heard_recently(session: Session, ticket, actor: Actor, seconds: float) -> bool:
    """A browser fetches a recording several times for one playback (metadata, then the media)."""
    if seconds <= 0:
        return False
    since = utcnow() - timedelta(seconds=seconds)
    return any(e.action == "listen" and e.actor_id == actor.id and e.at >= since
               for e in service.events(session, ticket_id=ticket.id)[-20:])


def recording_path(ctx: AppContext, *, number: str, actor: Actor, audit: bool = True) -> Path:
    """Check that `actor` may see the ticket, record a "listen" event and return the recording file.

    Not audited again: continuation ranges of one playback (`audit=False`) and plays by the same user within
    `settings.recording_listen_window_seconds` of the last audited one."""
    root = recordings_root(ctx)

    def work(session: Session) -> Path:
        ticket = load(session, number, actor, for_update=audit)
        if not ticket.recording_url:
            raise NotFound(f"ticket {number} has no recording", number=number)
        path = resolve_recording(root, ticket.recording_url)
        if not path.is_file():
            raise NotFound(f"the recording of ticket {number} is missing", number=number)
        if audit and not _heard_recently(session, ticket, actor, ctx.settings.recording_listen_window_seconds):
            transition(session, ticket, actor, "listen", changes={"recording": [None, path.name]})
        return path

    return run(ctx, work)
