"""The return-visit survey call as data: a pure function (spec, state, event) -> (state, actions). No I/O.

The dialogue: the opening names the case ("survey_intro", the case number digit by digit, "survey_case_done"),
then the question ("survey_keys") and one key. A key 1–5 → Rate, "survey_thanks", hang up. Any other key
("survey_invalid") or no key within the timeout ("timeout") → the question again, at most `tries` questions
in all; after the last one "survey_goodbye" and hang up without a rating.

Contract with the executor (telephony/sip/survey_call.py, telephony/fake.py), close to ivr.engine's:
- `start(spec)` once the call is answered, then `step(spec, state, event)` for every event.
- The actions of one answer run in order: Play waits until its prompts ended, Gather waits for one key
  (its timer starts once the preceding prompts ended; GatherTimeout when it runs out), Rate is instant,
  HangUp ends the call. A non-empty answer replaces whatever the executor was still doing (stop the prompt).
- Every key press is forwarded as Digit at once, also while the question plays (barge-in). Keys pressed
  while the thanks or goodbye plays are ignored. The called party hanging up → Hangup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ivr.engine import Digit, Gather, GatherTimeout, HangUp, Hangup, Play
from ivr.keys import digit_key

RATING_KEYS = "12345"  # 非常满意, 满意, 基本满意, 不满意, 非常不满意
ASCII_DIGITS = "0123456789"
OPENING = ("survey_intro", "survey_case_done")  # spoken before / after the case number
QUESTION = "survey_keys"
INVALID = "survey_invalid"
TIMEOUT = "timeout"
THANKS = "survey_thanks"
GOODBYE = "survey_goodbye"
PROMPT_KEYS = (*OPENING, QUESTION, INVALID, TIMEOUT, THANKS, GOODBYE)


@dataclass(frozen=True)
class SurveySpec:
    """What one survey call asks: about which case, how many times at most, how long to wait for a key."""

    case_number: str
    tries: int = 3
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if not any(ch in ASCII_DIGITS for ch in self.case_number or ""):
            raise ValueError(f"the case number {self.case_number!r} has no digit to speak")
        if self.tries < 1:
            raise ValueError(f"a survey asks its question at least once (tries={self.tries})")
        if not self.timeout_s > 0:
            raise ValueError(f"the key timeout must be positive (timeout_s={self.timeout_s})")


@dataclass(frozen=True)
class Rate:
    """The called party's valid key: store it (instant; the call goes on with the thanks)."""

    digit: str


SurveyEvent = Digit | GatherTimeout | Hangup
SurveyAction = Play | Gather | Rate | HangUp


@dataclass(frozen=True)
class SurveyState:
    phase: Literal["question", "closing", "end"] = "question"
    asked: int = 1  # questions asked so far (the first comes with the opening)
    invalid_keys: int = 0  # keys other than 1–5 pressed while a question was open
    timeouts: int = 0
    rating: str | None = None


Result = tuple[SurveyState, list[SurveyAction]]


def spoken_case(case_number: str) -> tuple[str, ...]:
    """Prompt keys speaking the case number digit by digit (other characters, e.g. "-", are not spoken)."""
    return tuple(digit_key(ch) for ch in case_number if ch in ASCII_DIGITS)


def opening(spec: SurveySpec) -> tuple[str, ...]:
    """The prompts before the first question: greeting, the case number, "has been handled"."""
    return (OPENING[0], *spoken_case(spec.case_number), OPENING[1])


def prompt_keys(spec: SurveySpec) -> frozenset[str]:
    """Every prompt key the survey call of `spec` may play."""
    return frozenset(PROMPT_KEYS) | frozenset(spoken_case(spec.case_number))


def _gather(spec: SurveySpec) -> Gather:
    return Gather(max_digits=1, timeout_s=spec.timeout_s)


def start(spec: SurveySpec) -> Result:
    return SurveyState(), [Play((*opening(spec), QUESTION)), _gather(spec)]


def step(spec: SurveySpec, state: SurveyState, event: SurveyEvent) -> Result:
    if state.phase == "end":
        return state, []
    if isinstance(event, Hangup):
        return replace(state, phase="end"), []
    if state.phase != "question":
        return state, []
    if isinstance(event, GatherTimeout):
        return _again(spec, replace(state, timeouts=state.timeouts + 1), TIMEOUT)
    if isinstance(event, Digit):
        actions: list[SurveyAction] = []
        for key in event.digit:  # normally one key; several are taken in order until the survey closes
            state, actions = _key(spec, state, key)
            if state.phase != "question":
                break
        return state, actions
    raise TypeError(f"not a survey event: {event!r}")


def _key(spec: SurveySpec, state: SurveyState, key: str) -> Result:
    if key in RATING_KEYS:
        return replace(state, phase="closing", rating=key), [Rate(key), Play((THANKS,)), HangUp(reason="rated")]
    return _again(spec, replace(state, invalid_keys=state.invalid_keys + 1), INVALID)


def _again(spec: SurveySpec, state: SurveyState, reason: str) -> Result:
    if state.asked < spec.tries:
        return replace(state, asked=state.asked + 1), [Play((reason, QUESTION)), _gather(spec)]
    return replace(state, phase="closing"), [Play((GOODBYE,)), HangUp(reason="no_rating")]
