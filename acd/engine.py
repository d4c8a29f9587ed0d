"""The pure routing engine of the ACD: `step(state, event, config) -> (state, actions)`, no I/O, no clock.

The SIP service (and the flows in `acd/flows.py`) feed it events with their own timestamps (seconds) and
carry out the actions. Rules: urgent callers (emergency key) go to the head of the queue; the longest-idle
available agent with the caller's skills gets the call (skills relax after `skill_relax_seconds`, at once for
urgent callers: an emergency never waits for a specialist); an unanswered ring moves on and sets the agent
not-ready; a caller keeps its place whatever happens to the agent being rung."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

AGENT_STATES = ("logged_out", "available", "ringing", "on_call", "wrap_up", "on_break")
# What an agent (or a supervisor for them) may set by hand; ringing and on_call come from calls only.
MANUAL = {
    "logged_out": {"available", "on_break"},
    "available": {"on_break", "logged_out"},
    "on_break": {"available", "logged_out", "on_break"},
    "wrap_up": {"available", "on_break", "logged_out"},
    "ringing": {"on_break", "logged_out"},  # declining: the caller stays queued at the same position
    "on_call": set(),
}
STAFFED = ("available", "ringing", "on_call", "wrap_up")


class TransitionRefused(Exception):
    """The agent cannot go from their current state to the asked one."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"agent state {current} cannot change to {wanted}")
        self.current, self.wanted = current, wanted


@dataclass(frozen=True)
class Config:
    ring_seconds: float = 15.0
    wrap_up_seconds: float = 30.0
    max_wait_seconds: float = 300.0
    skill_relax_seconds: float = 60.0
    handle_seconds: float = 240.0  # average handle time used for expected-wait announcements
    no_answer_reason: str = "未接听"


@dataclass(frozen=True)
class Agent:
    id: int
    state: str = "logged_out"
    skills: frozenset[str] = frozenset()
    idle_since: float = 0.0
    call_id: int | None = None  # the call ringing this agent or bridged to them
    ring_started: float | None = None
    wrap_until: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Caller:
    id: int  # also the arrival order
    queued_at: float
    urgent: bool = False
    skills: frozenset[str] = frozenset()
    agent_id: int | None = None  # the agent being rung
    offered_message: bool = False


@dataclass(frozen=True)
class State:
    agents: dict[int, Agent] = field(default_factory=dict)
    callers: tuple[Caller, ...] = ()


# ---- events ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallerQueued:
    at: float
    call_id: int
    urgent: bool = False
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CallerLeft:
    """The caller hung up in queue (abandoned) or chose to leave a message (message)."""

    at: float
    call_id: int
    outcome: str = "abandoned"


@dataclass(frozen=True)
class AgentSet:
    """The agent (or their phone going offline: logged_out) asks for a state."""

    at: float
    agent_id: int
    state: str
    reason: str | None = None
    skills: frozenset[str] | None = None


@dataclass(frozen=True)
class Answered:
    at: float
    call_id: int
    agent_id: int


@dataclass(frozen=True)
class CallEnded:
    at: float
    agent_id: int


@dataclass(frozen=True)
class Tick:
    at: float


# ---- actions ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ring:
    call_id: int
    agent_id: int


@dataclass(frozen=True)
class StopRinging:
    call_id: int | None
    agent_id: int


@dataclass(frozen=True)
class Bridge:
    call_id: int
    agent_id: int


@dataclass(frozen=True)
class AgentChanged:
    agent_id: int
    state: str
    reason: str | None = None


@dataclass(frozen=True)
class Announce:
    call_id: int
    position: int
    expected_wait: float | None  # seconds; None when no agent is staffed


@dataclass(frozen=True)
class OfferMessage:
    call_id: int


@dataclass(frozen=True)
class Left:
    call_id: int
    outcome: str  # abandoned | message


def ordered(callers: tuple[Caller, ...]) -> list[Caller]:
    """Queue order: urgent callers first, then arrival."""
    return sorted(callers, key=lambda c: (not c.urgent, c.id))


def position(state: State, call_id: int) -> int | None:
    for n, caller in enumerate(ordered(state.callers), start=1):
        if caller.id == call_id:
            return n
    return None


def expected_wait(position: int, *, free: int, staffed: int, handle_seconds: float) -> float | None:
    """Seconds until the caller at `position` reaches an agent: callers beyond the free agents wait one
    handle time per round of the staffed agents. None when nobody is staffed (announce 'no agent')."""
    if position <= free:
        return 0.0
    if staffed <= 0:
        return None
    return math.ceil((position - free) / staffed) * handle_seconds


def announcements(state: State, config: Config) -> list[Announce]:
    """Position and expected wait of every caller not being rung (for periodic announcements)."""
    free = sum(1 for a in state.agents.values() if a.state == "available")
    staffed = sum(1 for a in state.agents.values() if a.state in STAFFED)
    out = []
    for n, caller in enumerate(ordered(state.callers), start=1):
        if caller.agent_id is None:
            out.append(Announce(caller.id, n, expected_wait(n, free=free, staffed=staffed,
                                                            handle_seconds=config.handle_seconds)))
    return out


def step(state: State, event, config: Config) -> tuple[State, list]:
    agents = dict(state.agents)
    callers = {c.id: c for c in state.callers}
    actions: list = []

    def set_agent(agent: Agent, **changes) -> None:
        new = replace(agent, **changes)
        agents[agent.id] = new
        if new.state != agent.state or new.reason != agent.reason:
            actions.append(AgentChanged(agent.id, new.state, new.reason))

    def unring(agent: Agent, **changes) -> None:
        """Stop ringing `agent`; their caller keeps its place in the queue."""
        if agent.call_id in callers:
            callers[agent.call_id] = replace(callers[agent.call_id], agent_id=None)
        actions.append(StopRinging(agent.call_id, agent.id))
        set_agent(agent, call_id=None, ring_started=None, **changes)

    at = event.at
    if isinstance(event, CallerQueued):
        if event.call_id not in callers:
            callers[event.call_id] = Caller(event.call_id, at, event.urgent, frozenset(event.skills))
    elif isinstance(event, CallerLeft):
        caller = callers.pop(event.call_id, None)
        if caller is not None:
            ringing = agents.get(caller.agent_id) if caller.agent_id is not None else None
            if ringing is not None and ringing.state == "ringing" and ringing.call_id == caller.id:
                unring(ringing, state="available")  # idle_since unchanged: the agent keeps their turn
            actions.append(Left(caller.id, event.outcome))
    elif isinstance(event, AgentSet):
        agent = agents.get(event.agent_id) or Agent(event.agent_id, idle_since=at)
        if event.state not in MANUAL.get(agent.state, set()) or (
                event.state == agent.state and event.reason == agent.reason):
            raise TransitionRefused(agent.state, event.state)
        skills = agent.skills if event.skills is None else frozenset(event.skills)
        agents[agent.id] = replace(agent, skills=skills)
        agent = agents[agent.id]
        reason = event.reason if event.state == "on_break" else None
        if agent.state == "ringing":
            unring(agent, state=event.state, reason=reason)
        else:
            idle = at if event.state == "available" else agent.idle_since
            set_agent(agent, state=event.state, reason=reason, idle_since=idle, wrap_until=None)
    elif isinstance(event, Answered):
        agent = agents.get(event.agent_id)
        caller = callers.get(event.call_id)
        if agent and caller and agent.state == "ringing" and agent.call_id == caller.id == event.call_id \
                and caller.agent_id == agent.id:
            callers.pop(caller.id)
            set_agent(agent, state="on_call", ring_started=None)
            actions.append(Bridge(caller.id, agent.id))
        else:  # a late answer (ring timed out, caller gone): hang up the agent leg, no zombie call
            actions.append(StopRinging(event.call_id, event.agent_id))
    elif isinstance(event, CallEnded):
        agent = agents.get(event.agent_id)
        if agent is not None and agent.state == "on_call":
            if config.wrap_up_seconds > 0:
                until = max(at + config.wrap_up_seconds, agent.wrap_until or 0.0)
                set_agent(agent, state="wrap_up", call_id=None, wrap_until=until)
            else:
                set_agent(agent, state="available", call_id=None, idle_since=at)
    elif not isinstance(event, Tick):
        raise TypeError(f"unknown event {event!r}")

    # timers: ring no-answer, wrap-up end, longest wait
    for agent in list(agents.values()):
        if agent.state == "ringing" and agent.ring_started is not None and at - agent.ring_started >= config.ring_seconds:
            unring(agent, state="on_break", reason=config.no_answer_reason)
        elif agent.state == "wrap_up" and agent.wrap_until is not None and at >= agent.wrap_until:
            set_agent(agent, state="available", idle_since=agent.wrap_until, wrap_until=None)
    for caller in list(callers.values()):  # arrival order
        if not caller.offered_message and caller.agent_id is None and at - caller.queued_at >= config.max_wait_seconds:
            callers[caller.id] = replace(caller, offered_message=True)
            actions.append(OfferMessage(caller.id))

    # dispatch: each waiting caller in queue order takes the longest-idle eligible agent
    free = [a for a in agents.values() if a.state == "available"]
    for caller in ordered(tuple(callers.values())) if free else ():
        if not free:
            break
        if caller.agent_id is not None:
            continue
        wanted = caller.skills | ({"urgent"} if caller.urgent else set())
        skilled = [a for a in free if wanted <= a.skills]
        if not skilled and (caller.urgent or at - caller.queued_at >= config.skill_relax_seconds):
            skilled = free
        if not skilled:
            continue
        agent = min(skilled, key=lambda a: (a.idle_since, a.id))
        free.remove(agent)
        set_agent(agent, state="ringing", call_id=caller.id, ring_started=at)
        callers[caller.id] = replace(caller, agent_id=agent.id)
        actions.append(Ring(caller.id, agent.id))

    new = State(agents=agents, callers=tuple(sorted(callers.values(), key=lambda c: c.id)))
    if isinstance(event, CallerQueued) and event.call_id in callers and callers[event.call_id].agent_id is None:
        actions += [a for a in announcements(new, config) if a.call_id == event.call_id]
    return new, actions
