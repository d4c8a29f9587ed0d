"""In-package fakes of the telephony ports, for unit tests of code that places calls (never production)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from ivr import survey as survey_dialogue
from ivr.engine import Digit, Gather, GatherTimeout, Play
from ivr.survey import SurveySpec
from telephony.port import WARNING, OutboundResult, Screening


@dataclass(frozen=True)
class PlacedCall:
    number: str
    survey: SurveySpec


@dataclass(frozen=True)
class Script:
    outcome: str
    keys: str = ""


@dataclass
class FakeOutboundCalls:
    """Answers every call as scripted for its number (default: answered, no key) and keeps a list of what was
    placed. An answered call runs the real survey dialogue (ivr.survey): the scripted `keys` are pressed one
    per question ("_" = no key this time, the question times out); once they run out, every question times
    out. The result holds the valid key, the invalid keys counted and the prompts that were played."""

    results: dict[str, Script] = field(default_factory=dict)
    placed: list[PlacedCall] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1), repr=False)

    def script(self, number: str, outcome: str, keys: str | None = None) -> None:
        self.results[number] = Script(outcome=outcome, keys=keys or "")

    def place_call(self, number: str, *, survey: SurveySpec) -> OutboundResult:
        if not number:
            raise ValueError("number is required")
        self.placed.append(PlacedCall(number, survey))
        scripted = self.results.get(number, Script(outcome="answered"))
        ref = f"fake-{next(self._ids)}"
        if scripted.outcome != "answered":
            return OutboundResult(outcome=scripted.outcome, call_ref=ref)  # type: ignore[arg-type]
        state, actions = survey_dialogue.start(survey)
        played: list[str] = []
        rating: str | None = None
        keys = list(scripted.keys)
        while actions:
            for action in actions:
                if isinstance(action, Play):
                    played.extend(action.prompts)
                elif isinstance(action, survey_dialogue.Rate):
                    rating = action.digit
            if not isinstance(actions[-1], Gather):
                break  # the survey hung up
            key = keys.pop(0) if keys else "_"
            event = GatherTimeout() if key == "_" else Digit(digit=key)
            state, actions = survey_dialogue.step(survey, state, event)
        return OutboundResult(outcome="answered", digit=rating, call_ref=ref, invalid_keys=state.invalid_keys,
                              played=tuple(played))


@dataclass
class FakeCallerScreen:
    """Blocks the numbers in `blocked` (normalised form), with a reason; warns the numbers in `warn` once
    (`warned_calls` lists (caller, call_id) of every warning reported as played)."""

    blocked: dict[str, str] = field(default_factory=dict)
    warn: set[str] = field(default_factory=set)
    warned_calls: list[tuple[str, int | None]] = field(default_factory=list)

    def screen(self, caller: str | None) -> Screening:
        if caller is not None and caller in self.blocked:
            return Screening(blocked=True, reason=self.blocked[caller])
        if caller is not None and caller in self.warn:
            return Screening(blocked=False, reason=WARNING)
        return Screening(blocked=False)

    def warned(self, caller: str, *, call_id: int | None = None) -> int:
        self.warned_calls.append((caller, call_id))
        if caller in self.warn:
            self.warn.discard(caller)
            return 1
        return 0
