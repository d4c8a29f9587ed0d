"""Call recordings: who may listen, where the file lies, and the audit trail of every access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from hotline import byteranges
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import NotFound, PermissionDenied
from ticketing import service
from ticketing.access import service as access
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


@dataclass(frozen=True)
class Served:
    """A recording and the byte ranges of it one request is given (None: the whole file)."""

    path: Path
    size: int
    ranges: list[tuple[int, int]] | None


def recording_path(ctx: AppContext, *, number: str, actor: Actor, audit: bool = True) -> Path:
    """The recording file of a ticket `actor` may see (whole file, audited like a fresh playback)."""
    return serve_recording(ctx, number=number, actor=actor, range_header=None, audit_listen=audit).path


def serve_recording(ctx: AppContext, *, number: str, actor: Actor, range_header: str | None,
                    client: str | None = None, audit_listen: bool = True) -> Served:
    """Check that `actor` may see the ticket, parse the Range header against the file and audit what is
    served, in one transaction:

    * every request that serves bytes writes an access record (who, when, which case, which byte ranges);
    * a playback — any request whose bytes include byte 0 — also writes a "listen" event into the case
      history, except plays by the same user within `settings.recording_listen_window_seconds` of the last.

    A malformed or unsatisfiable Range raises RangeNotSatisfiable (416) before anything is served."""
    root = recordings_root(ctx)

    def work(session: Session) -> Served:
        ticket = load(session, number, actor, for_update=audit_listen)
        if not ticket.recording_url:
            raise NotFound(f"ticket {number} has no recording", number=number)
        path = resolve_recording(root, ticket.recording_url)
        if not path.is_file():
            raise NotFound(f"the recording of ticket {number} is missing", number=number)
        size = path.stat().st_size
        ranges = byteranges.parse(range_header, size)
        access.record(session, who=access.Who(actor.id, actor.name, actor.role.value, client),
                      action="recording", ticket_number=ticket.number, caller=ticket.caller_phone,
                      detail={"range": byteranges.label(ranges, size), "requested": range_header,
                              "bytes": sum(b - a + 1 for a, b in ranges) if ranges else size})
        playback = ranges is None or ranges[0][0] == 0
        if audit_listen and playback and not _heard_recently(
                session, ticket, actor, ctx.settings.recording_listen_window_seconds):
            transition(session, ticket, actor, "listen", changes={"recording": [None, path.name]})
        return Served(path, size, ranges)

    return run(ctx, work)
