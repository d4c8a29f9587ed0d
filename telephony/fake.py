"""In-package fakes of the telephony ports, for unit tests of code that places calls (never production)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from ivr.survey import SurveySpec
from telephony.port import WARNING, OutboundResult, Screening
from telephony.sip.survey_call import SurveyCall


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
    placed. An answered call runs the real survey dialogue (ivr.survey) through the real executor
    (telephony.sip.survey_call), every prompt heard to its end at once: the scripted `keys` are pressed one
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
        call = SurveyCall(survey, media=_Listener(), prompts_dir=Path("prompts"), check_files=False)
        keys, now = list(scripted.keys), 0.0
        call.answered(now)
        while True:
            while call.playing:
                call.play_done(now)
            if call.hangup_reason is not None or call.gather_at is None:
                break  # the survey hung up
            key = keys.pop(0) if keys else "_"
            if key == "_":
                now = call.gather_at
                call.tick(now)
            else:
                call.digit(key, now)
        return OutboundResult(outcome="answered", digit=call.rating, call_ref=ref, invalid_keys=call.invalid_keys,
                              played=tuple(call.played))


class _Listener:
    """The called party of a fake survey call: every prompt starts (and the caller of play_done ends it)."""

    def play(self, path: Path) -> bool:
        return True

    def stop_play(self) -> None:
        pass

    def hangup(self, reason: str) -> None:
        pass


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
