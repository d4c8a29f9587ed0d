"""ACD use cases: load the routing state, let the pure engine decide, store the result, return the actions.

The SIP service (next step of issue 13) drives these: a caller pressing 转人工 is queued, an answer or a
hang-up is reported, and it carries out the returned actions (ring, stop ringing, bridge, announce, offer a
message). The database row is the truth: a ringing agent is `acd_agents.state = ringing` with its call, so a
restarted SIP service finds what it should be doing. Beat's `acd.sweep` ends wrap-ups and times out rings
from timestamps, so a missed tick only delays them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from acd import engine, service
from acd.models import CALLBACK_OUTCOMES, AgentStateLog, AgentStatus, MissedCallback, QueueCall
from acd.phones import check_skills
from hotline.context import AppContext
from hotline.database import first_or_not_found, utcnow
from hotline.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ticketing.phones import normalize

MANUAL_STATES = ("available", "on_break", "logged_out")
ACTION_NAMES = {engine.Ring: "ring", engine.StopRinging: "stop_ringing", engine.Bridge: "bridge",
                engine.AgentChanged: "agent_state", engine.Announce: "announce",
                engine.OfferMessage: "offer_message", engine.Left: "left"}


def config(settings, *, handle_seconds: float | None = None) -> engine.Config:
    return engine.Config(ring_seconds=settings.acd_ring_seconds, wrap_up_seconds=settings.acd_wrap_up_seconds,
                         max_wait_seconds=settings.acd_max_wait_seconds,
                         skill_relax_seconds=settings.acd_skill_relax_seconds,
                         handle_seconds=handle_seconds or settings.acd_handle_seconds,
                         no_answer_reason=settings.acd_no_answer_reason)


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _load(session) -> tuple[engine.State, dict[int, AgentStatus], dict[int, QueueCall]]:
    agent_rows = {a.user_id: a for a in service.agents(session)}
    call_rows = {c.id: c for c in service.active_calls(session)}
    agents = {uid: engine.Agent(uid, a.state, frozenset(a.skills or ()), _ts(a.idle_since) or 0.0, a.call_id,
                                _ts(a.ring_started_at), _ts(a.wrap_until), a.reason)
              for uid, a in agent_rows.items()}
    callers = tuple(engine.Caller(c.id, _ts(c.queued_at), c.urgent, frozenset(c.skills or ()),
                                  c.agent_user_id if c.status == "ringing" else None, c.message_offered_at is not None)
                    for c in call_rows.values())
    return engine.State(agents, callers), agent_rows, call_rows


def _changed_at(row: AgentStatus, agent: engine.Agent, now: datetime, ring_seconds: float) -> datetime:
    """When a change really happened: a timer applied by a late sweep dates from its deadline, not the sweep
    (otherwise pause-time reports and idle order are wrong)."""
    if row.state == "wrap_up" and agent.state == "available" and row.wrap_until and row.wrap_until < now:
        return row.wrap_until
    if row.state == "ringing" and agent.state == "on_break" and row.ring_started_at:
        return min(now, row.ring_started_at + timedelta(seconds=ring_seconds))
    return now


def _close_wrap(session, agent_id: int, ended: datetime) -> None:
    """The agent left wrap-up (by its timer or by hand): the call's after-call work is what really passed."""
    row = session.scalar(select(QueueCall).where(QueueCall.agent_user_id == agent_id, QueueCall.ended_at.is_not(None))
                         .order_by(QueueCall.id.desc()).limit(1))
    if row is not None:
        row.wrap_seconds = max(0.0, (ended - row.ended_at).total_seconds())


def _store(session, new: engine.State, actions: list, agent_rows: dict, call_rows: dict, now: datetime,
           ring_seconds: float) -> None:
    for uid, agent in new.agents.items():
        row = agent_rows.get(uid)
        if row is None:
            continue  # only agents with a phone (a row) are routed
        if (row.state, row.reason) != (agent.state, agent.reason):
            since = _changed_at(row, agent, now, ring_seconds)
            if row.state == "wrap_up":
                _close_wrap(session, uid, since)
            row.state_since = since
            session.add(AgentStateLog(user_id=uid, state=agent.state, reason=agent.reason, at=since))
        row.state, row.reason, row.call_id = agent.state, agent.reason, agent.call_id
        row.idle_since, row.ring_started_at, row.wrap_until = (_dt(agent.idle_since), _dt(agent.ring_started),
                                                               _dt(agent.wrap_until))
    for caller in new.callers:
        row = call_rows[caller.id]
        row.status = "ringing" if caller.agent_id is not None else "waiting"
        row.agent_user_id = caller.agent_id
        if caller.offered_message and row.message_offered_at is None:
            row.message_offered_at = now
    for action in actions:
        if isinstance(action, engine.Bridge):
            row = call_rows[action.call_id]
            row.status, row.agent_user_id, row.answered_at = "answered", action.agent_id, now
            row.wait_seconds = max(0.0, (now - row.queued_at).total_seconds())
        elif isinstance(action, engine.Left):
            row = call_rows[action.call_id]
            row.status, row.left_at, row.agent_user_id = action.outcome, now, None
            if action.outcome == "abandoned":
                session.add(MissedCallback(queue_call_id=row.id, caller=row.caller, created_at=now))


def action_dict(action) -> dict:
    return {"action": ACTION_NAMES[type(action)], **asdict(action)}


def _apply(ctx: AppContext, make_event, *, now: datetime | None = None, before=None) -> list[dict]:
    """One routing step in one transaction; `before(session, now)` may add rows first (a new queue call)."""
    now = now or utcnow()
    with ctx.sessions() as session:
        service.lock_routing(session)
        extra = before(session, now) if before else None
        state, agent_rows, call_rows = _load(session)
        event = make_event(now.timestamp(), extra)
        try:
            new, actions = engine.step(state, event, config(ctx.settings))
        except engine.TransitionRefused as exc:
            raise InvalidTransition(f"agent is {exc.current}; cannot change to {exc.wanted}",
                                    agent_state=exc.current, wanted=exc.wanted) from None
        _store(session, new, actions, agent_rows, call_rows, now, ctx.settings.acd_ring_seconds)
        if isinstance(event, engine.CallEnded):
            _close_talk(session, event.agent_id, agent_rows, new, now)
        session.commit()
    return [action_dict(a) for a in actions]


def _close_talk(session, agent_id: int, agent_rows: dict, new: engine.State, now: datetime) -> None:
    row = session.scalar(select(QueueCall).where(QueueCall.agent_user_id == agent_id, QueueCall.status == "answered",
                                                 QueueCall.ended_at.is_(None)).order_by(QueueCall.id.desc()).limit(1))
    if row is None:
        return
    row.ended_at = now
    row.talk_seconds = max(0.0, (now - row.answered_at).total_seconds())
    wrap = new.agents[agent_id].wrap_until
    row.wrap_seconds = max(0.0, wrap - now.timestamp()) if wrap else 0.0


def set_state(ctx: AppContext, *, user_id: int, state: str, reason: str | None = None,
              now: datetime | None = None) -> dict:
    """The agent (from the API or console) sets available / on_break (with reason) / logged_out."""
    if state not in MANUAL_STATES:
        raise InvalidTransition(f"state {state!r} cannot be set by hand; use one of {', '.join(MANUAL_STATES)}",
                                wanted=state)
    reason = (reason or "").strip() or None
    if state == "on_break" and not reason:
        raise ValidationFailed("a break needs a reason", field="reason")
    with ctx.reader() as session:
        if session.get(AgentStatus, user_id) is None:
            raise Conflict("no agent phone is set for this user (hotline agent-phone set USERNAME --extension N)")
    actions = _apply(ctx, lambda at, _: engine.AgentSet(at, user_id, state, reason), now=now)
    return agent_state(ctx, user_id=user_id) | {"actions": actions}


def agent_state(ctx: AppContext, *, user_id: int) -> dict:
    with ctx.reader() as session:
        row = session.get(AgentStatus, user_id)
        if row is None:
            raise NotFound("no agent phone is set for this user")
        return {"user_id": row.user_id, "state": row.state, "reason": row.reason, "since": row.state_since,
                "skills": list(row.skills or []), "call_id": row.call_id, "wrap_until": row.wrap_until}


def queue_caller(ctx: AppContext, *, caller: str | None, call_ref: str | None = None, urgent: bool = False,
                 skills: list[str] | None = None, now: datetime | None = None) -> dict:
    """A caller chose 转人工 (urgent: the emergency key); returns the queue call id and the actions."""
    wanted = check_skills(skills or [])

    def add(session, at: datetime) -> int:
        row = QueueCall(call_ref=call_ref, caller=normalize(caller), urgent=urgent, skills=wanted,
                        status="waiting", queued_at=at)
        session.add(row)
        session.flush()
        return row.id

    created: dict = {}

    def event(at: float, call_id: int):
        created["id"] = call_id
        return engine.CallerQueued(at, call_id, urgent, frozenset(wanted))

    actions = _apply(ctx, event, now=now, before=add)
    return {"queue_call_id": created["id"], "actions": actions}


def caller_left(ctx: AppContext, *, queue_call_id: int, outcome: str = "abandoned",
                now: datetime | None = None) -> list[dict]:
    """The caller hung up in queue (abandoned → 漏接回拨 list) or went to leave a message."""
    if outcome not in ("abandoned", "message"):
        raise ValidationFailed("outcome must be abandoned or message", field="outcome")
    return _apply(ctx, lambda at, _: engine.CallerLeft(at, queue_call_id, outcome), now=now)


def answered(ctx: AppContext, *, queue_call_id: int, agent_user_id: int, now: datetime | None = None) -> list[dict]:
    return _apply(ctx, lambda at, _: engine.Answered(at, queue_call_id, agent_user_id), now=now)


def call_ended(ctx: AppContext, *, agent_user_id: int, now: datetime | None = None) -> list[dict]:
    """The bridged call ended: the agent goes to wrap-up (or straight back to available)."""
    return _apply(ctx, lambda at, _: engine.CallEnded(at, agent_user_id), now=now)


def tick(ctx: AppContext, *, now: datetime | None = None) -> list[dict]:
    """Timers from timestamps: ring no-answer, wrap-up end, the longest wait; then dispatch."""
    return _apply(ctx, lambda at, _: engine.Tick(at), now=now)


def announcements(ctx: AppContext) -> list[dict]:
    """Position and expected wait of every waiting caller (for the SIP service's periodic announcements)."""
    with ctx.reader() as session:
        state, _, _ = _load(session)
    return [action_dict(a) for a in engine.announcements(state, config(ctx.settings))]


def mark_callback(ctx: AppContext, *, callback_id: int, user_id: int, outcome: str, note: str | None = None,
                  now: datetime | None = None) -> MissedCallback:
    if outcome not in CALLBACK_OUTCOMES:
        raise ValidationFailed(f"outcome must be one of {', '.join(CALLBACK_OUTCOMES)}", field="outcome")
    with ctx.sessions() as session:
        row = first_or_not_found(session, select(MissedCallback).where(MissedCallback.id == callback_id), lock=True,
                                 message="no such callback", callback_id=callback_id)
        if row.status == "done":
            raise Conflict("this caller was already called back", callback_id=callback_id)
        row.status = "done" if outcome in ("reached", "wrong_number", "resolved_elsewhere") else "pending"
        row.outcome, row.note, row.handled_by, row.handled_at = outcome, (note or "").strip() or None, user_id, \
            now or utcnow()
        session.commit()
        session.refresh(row)
        session.expunge(row)
        return row
