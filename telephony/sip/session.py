"""The IVR action executor of one call: feeds ivr.engine events, turns its actions into media operations.

No pjsua2 here: the worker hands in a `Media` (its pjsua2 call) and a `Store` (the writer thread), and
drives the session from its pjsua2 thread with `media_ready`, `play_done`, `digit`, `tick`,
`lookup_done` and `disconnected`. Timers are deadlines checked on `tick(now)`, so the session is a
plain object that unit tests run with a fake media and a fake clock.

Execution rules: the actions of one engine answer run in order; Play waits for the end of its prompts
(played by the call's PromptPlayer: a missing or unplayable WAV is logged and skipped),
Gather waits for digits (timer starts once the preceding prompts ended; each digit restarts it),
Record waits for # / silence / its maximum, Lookup for the database answer. Whenever the engine answers
an event with actions, they replace whatever was still pending (a digit during a prompt barges in).
A recording ended by # / silence / its maximum after which the flow can no longer reach a record node
(only goodbye prompts, hang-up or transfer are left) is the call's last: `on_recorded` hands it over at
once, so it is transcribed while the caller still hears the goodbye.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ivr.flow import HangupNode, RecordNode, TransferNode
from ivr.words import BEEP_KEY
from telephony.sip.player import PlaysPrompts, PromptMedia, PromptPlayer

log = logging.getLogger(__name__)


class Media(PromptMedia, Protocol):
    def start_recording(self, path: Path) -> bool: ...
    def stop_recording(self) -> None: ...
    def hangup(self, reason: str) -> None: ...
    def transfer(self, target: str) -> None: ...


class Store(Protocol):
    def progress(self, key: str, *, ivr_node: str | None = None, digits: str | None = None,
                 mark: dict | None = None) -> None: ...
    def lookup(self, key: str, number: str) -> None: ...   # answers later through session.lookup_done
    def warned(self, key: str) -> None: ...   # the abuse warning was played to its end


class LevelSource(Protocol):
    def levels(self) -> list[float]: ...   # RMS of the 20 ms frames recorded since the last call


RecordedHook = Callable[[str, str, float], None]   # (call key, recording path under recordings_dir, seconds)


@dataclass
class RecordingParams:
    silence_rms: float
    no_speech_seconds: float


@dataclass
class _Recording:
    path: Path
    started: float
    max_at: float
    silence_s: float
    finish_on: str
    meter: LevelSource | None = None
    heard_speech: bool = False
    silent_for: float = 0.0


class CallSession(PlaysPrompts):
    def __init__(self, *, key: str, flow: Any, media: Media, store: Store, prompts_dir: Path,
                 recordings_dir: Path, recording_name: str, params: RecordingParams,
                 meter_factory: Callable[[Path], LevelSource] | None = None,
                 engine: Any = None, on_recorded: RecordedHook | None = None) -> None:
        self.key, self.flow, self.media, self.store = key, flow, media, store
        self.prompts_dir, self.recordings_dir = prompts_dir, recordings_dir
        self.recording_name, self.params = recording_name, params
        if engine is None:
            from ivr import engine
        self.meter_factory, self.engine = meter_factory, engine
        self.on_recorded = on_recorded   # told when a recording ends that the IVR cannot follow with another
        self.state: Any = None
        self.pending: deque[Any] = deque()
        self.player = PromptPlayer(media, prompts_dir)
        self.after_play: str | None = None        # "record" when the beep precedes a recording
        self.gather: Any = None
        self.gather_at: float | None = None
        self.recording: _Recording | None = None
        self.record_action: Any = None
        self.waiting_lookup = False
        self.digits = ""
        self.skipped_before = 0                    # prompts skipped before the current Play began
        self.ended = False
        self.hung_up_by_ivr: str | None = None
        self.recording_path: str | None = None     # relative to recordings_dir
        self.recording_seconds = 0.0
        self.records = 0
        self.now = 0.0

    # --- events from the worker ------------------------------------------------------------------
    def start(self, *, caller: str | None, local_time: datetime, blocked: bool, now: float,
              warning: bool = False) -> None:
        self.now = now
        state, actions = self.engine.start(self.flow, self.engine.CallStarted(
            caller=caller, local_time=local_time, blocked=blocked, warning=warning))
        self._transition(state, actions)

    def digit(self, d: str, now: float) -> None:
        self.now = now
        if self.ended:
            return
        self.digits += d
        self.store.progress(self.key, digits=d)
        if self.recording is not None:
            if d in self.recording.finish_on:
                self._finish_recording("key")
            return
        if self.waiting_lookup:
            return
        if self.playing and (self.gather is not None or self._gather_pending()):
            self._barge_in()
        if self.gather is not None:
            self.gather_at = now + self.gather.timeout_s
        self._feed(self.engine.Digit(digit=d))

    def tick(self, now: float) -> None:
        self.now = now
        if self.ended:
            return
        if self.gather is not None and self.gather_at is not None and now >= self.gather_at:
            self.gather, self.gather_at = None, None
            self._feed(self.engine.GatherTimeout())
            return
        rec = self.recording
        if rec is None:
            return
        if now >= rec.max_at:
            self._finish_recording("max")
            return
        if rec.meter is not None:
            for rms in rec.meter.levels():
                if rms >= self.params.silence_rms:
                    rec.heard_speech, rec.silent_for = True, 0.0
                else:
                    rec.silent_for += 0.02
            limit = rec.silence_s if rec.heard_speech else max(rec.silence_s, self.params.no_speech_seconds)
            if rec.silent_for >= limit:
                self._finish_recording("silence")

    def lookup_done(self, found: bool, words: tuple[str, ...], now: float) -> None:
        self.now = now
        if self.ended or not self.waiting_lookup:
            return
        self.waiting_lookup = False
        self._feed(self.engine.LookupDone(found=found, status_words=tuple(words)))

    def disconnected(self, now: float) -> None:
        """The call is gone (BYE either way, CANCEL, error): close the recording, tell the engine."""
        self.now = now
        if self.ended:
            return
        events = []
        if self.recording is not None:
            self._finish_recording("hangup")
            events.append(self.engine.RecordingDone(seconds=self.recording_seconds, reason="hangup"))
        self.ended = True
        self.pending.clear()
        self.player.clear()
        self.gather = None
        events.append(self.engine.Hangup())
        for event in events:  # only marks still matter once the caller is gone
            if self.state is None:
                break
            try:
                self.state, actions = self.engine.step(self.flow, self.state, event)
            except Exception:
                log.debug("engine rejected %r", event, exc_info=True)
                break
            for action in actions:
                if isinstance(action, self.engine.Mark):
                    self._mark(action)

    @property
    def outcome(self) -> str:
        return self.hung_up_by_ivr or "hangup"

    # --- internals --------------------------------------------------------------------------------
    def _feed(self, event: Any) -> None:
        if self.state is None:
            return
        try:
            state, actions = self.engine.step(self.flow, self.state, event)
        except Exception:
            log.exception("IVR engine failed on %r in node %s; ending the call", event, self.state.node)
            state, actions = self.state, [self.engine.HangUp(reason="error")]
        self._transition(state, actions)

    def _transition(self, state: Any, actions: list[Any]) -> None:
        previous = self.state.node if self.state is not None else None
        self.state = state
        if state.node != previous:
            self.store.progress(self.key, ivr_node=state.node)
        if actions:
            self._cancel_pending()
            self.pending.extend(actions)
            self._run()

    def _cancel_pending(self) -> None:
        self.pending.clear()
        self.player.stop()
        self.after_play = None
        self.gather, self.gather_at = None, None

    def _gather_pending(self) -> bool:
        return any(isinstance(a, self.engine.Gather) for a in self.pending)

    def _barge_in(self) -> None:
        self.player.stop()
        while self.pending and not isinstance(self.pending[0], self.engine.Gather):
            if isinstance(self.pending[0], self.engine.Record):
                return
            self.pending.popleft()
        if self.pending:
            self.gather = self.pending.popleft()
            self.gather_at = self.now + self.gather.timeout_s

    def _busy(self) -> bool:
        return (self.playing or self.gather is not None or self.recording is not None
                or self.waiting_lookup or self.ended)

    def _run(self) -> None:
        E = self.engine
        while self.pending and not self._busy():
            action = self.pending.popleft()
            if isinstance(action, E.Play):
                self.skipped_before = len(self.player.missing)
                self.player.add(action.prompts)
                self._next_prompt(advance=False)
                if not self.playing and not self.pending:
                    self._feed(E.PromptDone())
                    return
            elif isinstance(action, E.Gather):
                self.gather, self.gather_at = action, self.now + action.timeout_s
            elif isinstance(action, E.Record):
                self._start_record(action)
            elif isinstance(action, E.Lookup):
                self.waiting_lookup = True
                self.store.lookup(self.key, action.ticket_number)
            elif isinstance(action, E.Mark):
                self._mark(action)
            elif isinstance(action, E.Warned):   # only a warning the caller really heard counts as given
                if len(self.player.missing) > self.skipped_before:
                    log.error("call %s: the abuse warning prompt was not played; not recorded as given", self.key)
                else:
                    self.store.warned(self.key)
            elif isinstance(action, E.Transfer):
                self.media.transfer(action.target)
            elif isinstance(action, E.HangUp):
                self.hung_up_by_ivr = action.reason or "ivr"
                self.pending.clear()
                self.media.hangup(action.reason)
                return
            else:
                log.warning("unknown IVR action %r ignored", action)

    def _mark(self, action: Any) -> None:
        mark = {k: getattr(action, k) for k in ("menu_choice", "ticket_type", "urgent")
                if getattr(action, k) is not None}
        self.store.progress(self.key, mark=mark)

    def _next_prompt(self, advance: bool = True) -> None:
        """Start the next playable prompt; when none is left, continue with the pending actions."""
        if self.player.start_next():
            return
        if self.after_play == "record":
            self.after_play = None
            self._begin_recording()
            return
        if not advance:
            return
        if self.pending:
            self._run()
        elif not self._busy():
            self._feed(self.engine.PromptDone())

    def _start_record(self, action: Any) -> None:
        self.record_action = action
        if action.beep:
            self.after_play = "record"
            self.player.add([BEEP_KEY])
            self._next_prompt(advance=False)
            if self.playing:
                return
            self.after_play = None
        self._begin_recording()

    def _begin_recording(self) -> None:
        action = self.record_action
        self.records += 1
        first = Path(self.recording_name)
        name = first if self.records == 1 else first.with_name(f"{first.stem}-{self.records}.wav")
        path = self.recordings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.media.start_recording(path):
            log.error("cannot record to %s", path)
            self._feed(self.engine.RecordingDone(seconds=0.0, reason="hangup"))
            return
        meter = self.meter_factory(path) if self.meter_factory else None
        self.recording = _Recording(path=path, started=self.now, max_at=self.now + action.max_seconds,
                                    silence_s=action.silence_s, finish_on=action.finish_on, meter=meter)

    def _finish_recording(self, reason: str) -> None:
        rec, self.recording = self.recording, None
        if rec is None:
            return
        self.media.stop_recording()
        seconds = wav_seconds(rec.path)
        if seconds is None:
            seconds = max(0.0, self.now - rec.started)
        self.recording_path = str(rec.path.relative_to(self.recordings_dir))
        self.recording_seconds = round(seconds, 2)
        if reason != "hangup":
            self._feed(self.engine.RecordingDone(seconds=self.recording_seconds, reason=reason))
            if self.on_recorded is not None and not self._may_record_again():
                self.on_recorded(self.key, self.recording_path, self.recording_seconds)

    def _may_record_again(self) -> bool:
        """Whether this call can still record (then the recording that just ended is not its last one)."""
        if self.ended or self.state is None or self.state.ended:
            return False
        return records_from(self.flow, self.state.node)


def records_from(flow: Any, start: str) -> bool:
    """Whether a record node is reachable from node `start` (itself included) of an IVR flow: transfer and
    hang-up nodes end the walk; every other node's successors (next, on_fail, target, options) are followed."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in flow.nodes:
            continue
        seen.add(name)
        node = flow.nodes[name]
        if isinstance(node, RecordNode):
            return True
        if isinstance(node, (HangupNode, TransferNode)):
            continue
        todo += [getattr(node, f) for f in ("next", "on_fail", "target") if isinstance(getattr(node, f, None), str)]
        todo += list(getattr(node, "options", {}).values())
    return False


def wav_seconds(path: Path) -> float | None:
    """Length of a complete WAV file; None while its header does not yet account for all its data (a
    recorder still writing) or when it is not a WAV file."""
    import wave

    try:
        size = path.stat().st_size
        with wave.open(str(path), "rb") as w:
            frames, width, channels, rate = w.getnframes(), w.getsampwidth(), w.getnchannels(), w.getframerate()
    except (OSError, EOFError, wave.Error):
        return None
    data = frames * width * channels
    if size - data > 64:   # the header (44 bytes, a little more with extra chunks) lags behind the data
        return None
    return frames / float(rate)
