"""The action executor of one survey call: feeds ivr.survey events, turns its actions into media operations.

No pjsua2 here: the dialer (telephony/sip/outbound.py) hands in a `SurveyMedia` (its pjsua2 call) and drives
this object from its pjsua2 thread with `answered`, `play_done`, `digit`, `tick` and `disconnected`. Timers
are deadlines checked on `tick(now)`, so unit tests run it with a fake media and a fake clock.

Execution rules (ivr/survey.py's contract): the actions of one answer run in order; Play plays its prompts
one after the other (a missing or unplayable WAV is logged and skipped), Gather waits for a key from the end
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

log = logging.getLogger(__name__)


class SurveyMedia(Protocol):
    def play(self, path: Path) -> bool: ...   # start one WAV towards the called party; False if it failed
    def stop_play(self) -> None: ...
    def hangup(self) -> None: ...


class SurveyCall:
    def __init__(self, spec: survey.SurveySpec, *, media: SurveyMedia, prompts_dir: Path) -> None:
        self.spec, self.media, self.prompts_dir = spec, media, Path(prompts_dir)
        self.state: survey.SurveyState | None = None
        self.pending: deque[Any] = deque()
        self.play_queue: deque[str] = deque()
        self.playing = False
        self.gather_at: float | None = None
        self.hangup_reason: str | None = None
        self.ended = False
        self.rating: str | None = None
        self.played: list[str] = []    # prompt keys started, in order
        self.missing: list[str] = []   # prompt keys skipped (no WAV or not playable)
        self.now = 0.0

    # --- results --------------------------------------------------------------------------------------
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

    def play_done(self, now: float) -> None:
        self.now = now
        if self.ended or not self.playing:
            return
        self.playing = False
        self._next_prompt()

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
        self.play_queue.clear()
        self.playing, self.gather_at = False, None
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
        self.play_queue.clear()
        if self.playing:
            self.media.stop_play()
            self.playing = False
        self.gather_at = None
        self.pending.extend(actions)
        self._run()

    def _run(self) -> None:
        while self.pending and not self.playing and self.gather_at is None and self.hangup_reason is None:
            action = self.pending.popleft()
            if isinstance(action, Play):
                self.play_queue.extend(action.prompts)
                self._next_prompt(advance=False)
            elif isinstance(action, Gather):
                self.gather_at = self.now + action.timeout_s
            elif isinstance(action, survey.Rate):
                self.rating = action.digit
            elif isinstance(action, HangUp):
                self.hangup_reason = action.reason
                self.pending.clear()
                self.media.hangup()
            else:
                log.warning("unknown survey action %r ignored", action)

    def _next_prompt(self, advance: bool = True) -> None:
        while self.play_queue:
            key = self.play_queue.popleft()
            path = self.prompts_dir / f"{key}.wav"
            if not path.is_file():
                log.warning("prompt %s is missing; skipped (render prompts with `hotline ivr render`)", path)
                self.missing.append(key)
                continue
            if self.media.play(path):
                self.playing = True
                self.played.append(key)
                return
            log.warning("prompt %s could not be played; skipped", path)
            self.missing.append(key)
        if advance:
            self._run()
