"""The prompt queue of a call: prompt keys played one after the other, a missing or unplayable WAV skipped.

Used by the inbound IVR session, the outbound survey call and the fake outbound calls. No pjsua2 here: the
media (a pjsua2 call, or a fake) starts one WAV with `play(path) -> bool` and stops it with `stop_play()`;
its owner reports the end of a prompt with `finished()` and asks for the next with `start_next()`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class PromptMedia(Protocol):
    def play(self, path: Path) -> bool: ...   # start one WAV towards the other party; False if it failed
    def stop_play(self) -> None: ...


class PromptPlayer:
    def __init__(self, media: PromptMedia, prompts_dir: Path, *, check_files: bool = True) -> None:
        self.media, self.prompts_dir, self.check_files = media, Path(prompts_dir), check_files
        self.queue: deque[str] = deque()
        self.playing = False
        self.played: list[str] = []    # prompt keys started, in order
        self.missing: list[str] = []   # prompt keys skipped (no WAV or not playable), in order

    def add(self, keys: Iterable[str]) -> None:
        self.queue.extend(keys)

    def start_next(self) -> bool:
        """Start the next playable prompt of the queue; False when the queue ran out and nothing plays."""
        while self.queue:
            key = self.queue.popleft()
            path = self.prompts_dir / f"{key}.wav"
            if self.check_files and not path.is_file():
                log.warning("prompt %s is missing; skipped (render prompts with `hotline ivr render`)", path)
                self.missing.append(key)
                continue
            if self.media.play(path):
                self.playing = True
                self.played.append(key)
                return True
            log.warning("prompt %s could not be played; skipped", path)
            self.missing.append(key)
        return False

    def finished(self) -> None:
        """The prompt that was playing reached its end."""
        self.playing = False

    def clear(self) -> None:
        """Forget the prompts not yet started (the one playing, if any, goes on)."""
        self.queue.clear()

    def stop(self) -> None:
        """Stop the prompt playing (barge-in, new actions) and forget the rest of the queue."""
        self.queue.clear()
        if self.playing:
            self.media.stop_play()
            self.playing = False


class PlaysPrompts:
    """Base of the call executors (CallSession, SurveyCall): they own a `player` and go on with
    `_next_prompt()` once the prompt that was playing has ended."""

    player: PromptPlayer
    ended: bool
    now: float

    @property
    def playing(self) -> bool:
        return self.player.playing

    def play_done(self, now: float) -> None:
        """The media reports the end of the prompt it was playing."""
        self.now = now
        if self.ended or not self.playing:
            return
        self.player.finished()
        self._next_prompt()
