"""The action executor of one survey call: feeds ivr.survey events, turns its actions into media operations.

No pjsua2 here: the dialer (telephony/sip/outbound.py) hands in a `SurveyMedia` (its pjsua2 call) and drives
this object from its pjsua2 thread with `answered`, `play_done`, `digit`, `tick` and `disconnected`. Timers
are deadlines checked on `tick(now)`, so unit tests run it with a fake media and a fake clock.

Execution rules (ivr/survey.py's contract): the actions of one answer run in order; Play plays its prompts
one after the other through the call's PromptPlayer (a missing or unplayable WAV is logged and skipped;
telephony/fake.py plays them without files), Gather waits for a key from the end
of the preceding prompts, Rate keeps the key, HangUp asks the media to end the call. A key is fed to the
survey at once; a non-empty answer stops the prompt and replaces what was pending (barge-in).
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from ivr import survey
from ivr.engine import Digit, Gather, GatherTimeout, HangUp, Hangup, Play
from telephony.sip.player import PlaysPrompts, PromptMedia, PromptPlayer

log = logging.getLogger(__name__)


class SurveyMedia(PromptMedia, Protocol):
    def hangup(self, reason: str) -> None: ...


class SurveyCall(PlaysPrompts):
    def __init__(self, spec: survey.SurveySpec, *, media: SurveyMedia, prompts_dir: Path,
                 check_files: bool = True) -> None:
        self.spec, self.media = spec, media
        self.player = PromptPlayer(media, prompts_dir, check_files=check_files)
        self.state: survey.SurveyState | None = None
        self.pending: deque[Any] = deque()
        self.gather_at: float | None = None
        self.hangup_reason: str | None = None
        self.ended = False
        self.rating: str | None = None
        self.now = 0.0

    # --- results --------------------------------------------------------------------------------------
    @property
    def played(self) -> list[str]:
        """Prompt keys started, in order."""
        return self.player.played

    @property
    def missing(self) -> list[str]:
        """Prompt keys skipped (no WAV or not playable), in order."""
        return self.player.missing

    @property
    def started(self) -> bool:
        return self.state is not None

    @property
    def invalid_keys(self) -> int:
        return self.state.invalid_keys if self.state is not None else 0

    # --- events from the dialer -----------------------------------------------------------------------
    def answered(self, now: float) -> None:
        """The call is up and has audio: the survey begins."""
        self.now = now
        if self.started or self.ended:
            return
        state, actions = survey.start(self.spec)
        self._transition(state, actions)

    def digit(self, key: str, now: float) -> None:
        self.now = now
        if self.ended or not self.started or self.hangup_reason is not None:
            return
        self._feed(Digit(digit=key))

    def tick(self, now: float) -> None:
        self.now = now
        if self.ended or self.gather_at is None or now < self.gather_at:
            return
        self.gather_at = None
        self._feed(GatherTimeout())

    def disconnected(self, now: float) -> None:
        self.now = now
        if self.ended:
            return
        self.ended = True
        self.pending.clear()
        self.player.clear()
        self.player.finished()
        self.gather_at = None
        if self.state is not None:
            self.state, _ = survey.step(self.spec, self.state, Hangup())

    # --- internals ------------------------------------------------------------------------------------
    def _feed(self, event: Any) -> None:
        state, actions = survey.step(self.spec, self.state, event)
        self._transition(state, actions)

    def _transition(self, state: survey.SurveyState, actions: list[Any]) -> None:
        self.state = state
        if not actions:
            return
        self.pending.clear()
        self.player.stop()
        self.gather_at = None
        self.pending.extend(actions)
        self._run()

    def _run(self) -> None:
        while self.pending and not self.playing and self.gather_at is None and self.hangup_reason is None:
            action = self.pending.popleft()
            if isinstance(action, Play):
                self.player.add(action.prompts)
                self._next_prompt(advance=False)
            elif isinstance(action, Gather):
                self.gather_at = self.now + action.timeout_s
            elif isinstance(action, survey.Rate):
                self.rating = action.digit
            elif isinstance(action, HangUp):
                self.hangup_reason = action.reason
                self.pending.clear()
                self.media.hangup(action.reason)
            else:
                log.warning("unknown survey action %r ignored", action)

    def _next_prompt(self, advance: bool = True) -> None:
        if not self.player.start_next() and advance:
            self._run()
