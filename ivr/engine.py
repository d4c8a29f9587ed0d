"""The IVR engine: a pure, deterministic function (flow, state, event) -> (state, actions). No I/O.

Standard library only (a test imports it alone): nodes are told apart by their `type` ("menu", "record", …).

Contract with the telephony adapter that executes the actions (telephony/sip):
- `start(flow, CallStarted(...))` on answer, then `step(flow, state, event)` for every event.
- An action list holds instant actions (Mark, Warned) followed by at most ONE action that waits: Play (answered by
  PromptDone), Gather (Digit events / GatherTimeout), Record (RecordingDone), Lookup (LookupDone) — or ends
  the call: Transfer, HangUp. A new list replaces whatever the adapter was still doing (stop the prompt).
- The adapter forwards every key press as Digit (one key, or several as a string), also while a prompt
  plays (barge-in) and including the finish key "#". Gather says how many keys are wanted and how long to
  wait (from the gather start or the last key) before sending GatherTimeout; the engine counts the keys.
- Record ends on `finish_on`, silence or the limit; the adapter answers with RecordingDone(reason=...).
- A caller due an abuse warning (CallStarted(warning=True), not blocked, the flow has a `warning` notice) hears
  it first; keys do not skip it. Only its PromptDone emits Warned (the adapter records the warning as given),
  followed by the start or after-hours node; a hang-up before that emits no Warned.
- Caller hang-up: send Hangup (after RecordingDone(reason="hangup") while recording). Every path ends with
  exactly one Transfer or HangUp; events after that are ignored. Events that do not fit the current phase
  are ignored too, and after `limits.max_events` events the call is ended (runaway guard).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from ivr.hours import is_open
from ivr.keys import digit_key, status_key

if TYPE_CHECKING:  # the validated flow (pydantic, ivr.flow); the engine reads its attributes only
    from ivr.flow import Flow

# --- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallStarted:
    caller: str | None
    local_time: datetime  # aware, in settings.tz: decides open hours
    blocked: bool = False
    warning: bool = False  # the screen says the caller is due the abuse warning


@dataclass(frozen=True)
class Digit:
    digit: str


@dataclass(frozen=True)
class PromptDone:
    pass


@dataclass(frozen=True)
class RecordingDone:
    seconds: float
    reason: Literal["silence", "max", "key", "hangup"] = "silence"


@dataclass(frozen=True)
class GatherTimeout:
    pass


@dataclass(frozen=True)
class LookupDone:
    found: bool
    status_words: tuple[str, ...] = ()  # prompt keys ("status_accepted") or bare statuses ("accepted")


@dataclass(frozen=True)
class Hangup:
    pass


Event = Digit | PromptDone | RecordingDone | GatherTimeout | LookupDone | Hangup

# --- actions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class Gather:
    max_digits: int
    timeout_s: float
    finish_on: str = "#"


@dataclass(frozen=True)
class Record:
    max_seconds: float
    silence_s: float
    finish_on: str = "#"
    beep: bool = True


@dataclass(frozen=True)
class Lookup:
    ticket_number: str


@dataclass(frozen=True)
class Mark:
    menu_choice: str | None = None
    ticket_type: str | None = None
    urgent: bool | None = None


@dataclass(frozen=True)
class Warned:
    """The abuse warning was played to its end: the adapter records it (telephony marks incidents warned)."""


@dataclass(frozen=True)
class Transfer:
    target: str


@dataclass(frozen=True)
class HangUp:
    reason: str


Action = Play | Gather | Record | Lookup | Mark | Warned | Transfer | HangUp
WAITING = (Play, Gather, Record, Lookup)
FINAL = (Transfer, HangUp)

# --- state ------------------------------------------------------------------------------------------

Phase = Literal["prompt", "gather", "record", "lookup", "result", "end"]


@dataclass(frozen=True)
class IvrState:
    node: str
    retries: int = 0
    phase: Phase = "prompt"
    digits: str = ""  # keys gathered so far in a lookup node
    steps: int = 0  # events seen
    path: tuple[str, ...] = ()  # nodes visited, in order
    resume: str = ""  # node a notice (the warning) goes on to

    @property
    def ended(self) -> bool:
        return self.phase == "end"


Result = tuple[IvrState, list[Action]]


def start(flow: Flow, event: CallStarted) -> Result:
    """First state and actions of an answered call: blocked branch, after-hours branch or the menu, the
    latter two after the abuse warning when the caller is due one."""
    if event.blocked:
        first = flow.blocked
    elif not is_open(flow.limits.open_hours, event.local_time.time()):
        first = flow.after_hours
    else:
        first = flow.start
    if event.warning and not event.blocked and flow.warning is not None:
        return _enter(flow, IvrState(node=flow.warning, resume=first), flow.warning)
    return _enter(flow, IvrState(node=first), first)


def step(flow: Flow, state: IvrState, event: Event) -> Result:
    """Next state and actions after one event."""
    if state.ended:
        return state, []
    state = replace(state, steps=state.steps + 1)
    if isinstance(event, Hangup):
        return _end(state, HangUp("caller_hangup"))
    if state.steps > flow.limits.max_events:
        return _end(state, HangUp("too_many_events"))
    node = flow.node(state.node)
    if isinstance(event, PromptDone):
        return _prompt_done(flow, state, node)
    if isinstance(event, Digit):
        return _digit(flow, state, node, event.digit)
    if isinstance(event, GatherTimeout):
        return _timeout(flow, state, node)
    if isinstance(event, RecordingDone):
        if state.phase != "record":
            return state, []
        if event.reason == "hangup":
            return _end(state, HangUp("caller_hangup"))
        return _enter(flow, state, node.next)
    if isinstance(event, LookupDone):
        return _lookup_done(flow, state, node, event)
    raise TypeError(f"not an IVR event: {event!r}")


# --- transitions ------------------------------------------------------------------------------------


def _end(state: IvrState, action: Action) -> Result:
    return replace(state, phase="end"), [action]


def _enter(flow: Flow, state: IvrState, name: str, prefix: tuple[str, ...] = ()) -> Result:
    """Go to node `name`; `prefix` prompts (e.g. "invalid") are played before the node's own."""
    node = flow.node(name)
    state = replace(state, node=name, retries=0, phase="prompt", digits="", path=(*state.path, name))
    prompts = (*prefix, *node.prompts)
    actions: list[Action] = []
    if node.type == "record":
        if node.mark is not None:
            mark = node.mark
            actions.append(Mark(menu_choice=mark.menu_choice, ticket_type=mark.ticket_type, urgent=mark.urgent))
        if not prompts:
            return replace(state, phase="record"), [*actions, _record(flow, node)]
    elif node.type in ("hangup", "transfer") and not prompts:
        return _end(state, _final(node))
    return state, [*actions, Play(prompts)]


def _final(node) -> Action:
    return HangUp(node.reason) if node.type == "hangup" else Transfer(node.target)


def _record(flow: Flow, node) -> Record:
    return Record(max_seconds=flow.limits.max_record_seconds, silence_s=flow.limits.record_silence_seconds,
                  beep=node.beep)


def _gather(flow: Flow, state: IvrState, node) -> Result:
    wanted = node.max_digits - len(state.digits) if node.type == "lookup" else 1
    return replace(state, phase="gather"), [Gather(max_digits=wanted, timeout_s=flow.limits.gather_timeout_seconds)]


def _prompt_done(flow: Flow, state: IvrState, node) -> Result:
    if state.phase == "result":
        return _enter(flow, state, node.next)
    if state.phase != "prompt":
        return state, []
    if node.type in ("menu", "gate", "lookup"):
        return _gather(flow, state, node)
    if node.type == "record":
        return replace(state, phase="record"), [_record(flow, node)]
    if node.type == "play":
        return _enter(flow, state, node.next)
    if node.type == "notice":
        target, actions = _enter(flow, replace(state, resume=""), state.resume or flow.start)
        return target, [Warned(), *actions]
    return _end(state, _final(node))


def _retry(flow: Flow, state: IvrState, node, reason: str) -> Result:
    """Re-prompt after an invalid key, a timeout or an unknown ticket; give up after max_retries."""
    limit = node.max_retries if node.max_retries is not None else flow.limits.max_retries
    if state.retries >= limit:
        return _enter(flow, state, node.on_fail, prefix=(reason,))
    again = getattr(node, "retry_prompts", None) or node.prompts
    return replace(state, retries=state.retries + 1, phase="prompt", digits=""), [Play((reason, *again))]


def _digit(flow: Flow, state: IvrState, node, keys: str) -> Result:
    if state.phase not in ("prompt", "gather") or not keys:
        return state, []
    if node.type == "menu":
        key = keys[0]
        if key not in node.options:
            return _retry(flow, state, node, "invalid")
        target, actions = _enter(flow, state, node.options[key])
        return target, [Mark(menu_choice=key), *actions]
    if node.type == "gate":
        target = node.target if keys[0] == flow.limits.emergency_key else node.on_fail
        return _enter(flow, state, target)
    if node.type == "lookup":
        digits = state.digits
        for key in keys:
            if key == "#":
                return _lookup(flow, state, node, digits)
            if key == "*":
                digits = ""
            elif key.isdigit():
                digits += key
                if len(digits) >= node.max_digits:
                    return _lookup(flow, state, node, digits)
        return replace(state, digits=digits), []
    return state, []


def _lookup(flow: Flow, state: IvrState, node, digits: str) -> Result:
    if not digits:
        return _retry(flow, state, node, "invalid")
    return replace(state, phase="lookup", digits=digits), [Lookup(ticket_number=digits)]


def _timeout(flow: Flow, state: IvrState, node) -> Result:
    if state.phase != "gather":
        return state, []
    if node.type == "gate":
        return _enter(flow, state, node.on_fail)
    if node.type == "lookup" and state.digits:
        return _lookup(flow, state, node, state.digits)
    return _retry(flow, state, node, "timeout")


def _lookup_done(flow: Flow, state: IvrState, node, event: LookupDone) -> Result:
    if state.phase != "lookup":
        return state, []
    if not event.found:
        return _retry(flow, state, node, "status_not_found")
    known = flow.prompt_keys
    words = [w if w in known else status_key(w) for w in event.status_words]
    spoken = ("status_result", *(digit_key(d) for d in state.digits), "status_is", *(w for w in words if w in known))
    return replace(state, phase="result"), [Play(spoken)]
