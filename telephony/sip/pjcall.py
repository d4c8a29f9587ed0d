"""The pjsua2 call of a worker or of the dialer: callbacks that only enqueue, and the media operations a
CallSession or SurveyCall asks for (prompt player, recorder, hang-up, transfer). Everything here runs on the
thread that owns the process's SipEndpoint."""

from __future__ import annotations

import logging
import queue
from pathlib import Path
from typing import Any

import pjsua2 as pj

from telephony.sip.session import CallSession

log = logging.getLogger(__name__)


def _unlink(source: pj.AudioMedia | None, sink: pj.AudioMedia | None) -> None:
    """Stop `source` transmitting to `sink` on the conference bridge (either may be gone already)."""
    if source is None or sink is None:
        return
    try:
        source.stopTransmit(sink)
    except pj.Error:
        pass


class Player(pj.AudioMediaPlayer):
    def __init__(self, events: queue.Queue, call_key: str) -> None:
        super().__init__()
        self.events, self.call_key = events, call_key

    def onEof2(self) -> None:
        self.events.put(("eof", self.call_key, id(self)))


class PjCall(pj.Call):
    def __init__(self, events: queue.Queue, acc: pj.Account, call_id: int, key: str) -> None:
        super().__init__(acc, call_id)
        self.events, self.key = events, key  # the worker's event queue: callbacks only enqueue
        # The PJSUA call slot of this call. pjsua2's ~Call never forgets it: freeing a finished call whose slot
        # already serves another call clears that call's link (its events are lost) and hangs it up, so the
        # worker frees a finished call only while no live call holds its slot.
        self.slot = call_id
        self.session: CallSession | None = None
        self.audio: pj.AudioMedia | None = None
        self.player: Player | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.answer_at: float | None = None
        self.accepted = False          # counted against sip_max_calls
        self.arrived = 0.0
        self.caller: str | None = None
        self.answered = False
        self.garbage: list[Any] = []

    def orphaned(self) -> bool:
        """Whether PJSUA stopped reporting to this object (its slot links to another object or none) or holds
        no live INVITE session for it: either way its DISCONNECTED will never arrive."""
        return pj.Call.lookup(self.slot) is not self or not self.isActive()

    def onCallState(self, prm) -> None:
        try:
            info = self.getInfo()
        except pj.Error:
            return
        self.events.put(("state", self.key, (info.state, info.lastStatusCode)))

    def onCallMediaState(self, prm) -> None:
        self.events.put(("media", self.key, None))

    def onDtmfDigit(self, prm) -> None:
        self.events.put(("digit", self.key, str(prm.digit)))

    # --- Media (called by the session on the pjsua2 thread) ------------------------------------
    def play(self, path: Path) -> bool:
        self.stop_play()
        player = Player(self.events, self.key)
        try:
            player.createPlayer(str(path), pj.PJMEDIA_FILE_NO_LOOP)
            if self.audio is not None:
                player.startTransmit(self.audio)
        except pj.Error as exc:
            log.warning("call %s: cannot play %s: %s", self.key, path, exc.info())
            self.garbage.append(player)
            return False
        self.player = player
        return True

    def stop_play(self) -> None:
        if self.player is not None:
            _unlink(self.player, self.audio)
            self.garbage.append(self.player)   # destroyed outside any callback
            self.player = None

    def start_recording(self, path: Path) -> bool:
        recorder = pj.AudioMediaRecorder()
        try:
            recorder.createRecorder(str(path))
            if self.audio is not None:
                self.audio.startTransmit(recorder)
        except pj.Error as exc:
            log.error("call %s: cannot record %s: %s", self.key, path, exc.info())
            return False
        self.recorder = recorder
        return True

    def stop_recording(self) -> None:
        if self.recorder is not None:
            _unlink(self.audio, self.recorder)
            self.recorder = None   # the last reference: the C++ recorder closes and completes the WAV

    def hangup(self, reason: str) -> None:
        try:
            self.hangup_call(200)
        except pj.Error as exc:
            log.debug("call %s: hangup: %s", self.key, exc.info())

    def hangup_call(self, code: int) -> None:
        prm = pj.CallOpParam()
        prm.statusCode = code
        pj.Call.hangup(self, prm)

    def transfer(self, target: str) -> None:
        if not target.lower().startswith(("sip:", "sips:", "tel:")):
            log.warning("call %s: transfer target %r is not a SIP URI; ignored", self.key, target)
            return
        try:
            self.xfer(target, pj.CallOpParam(True))
        except pj.Error as exc:
            log.warning("call %s: transfer to %s failed: %s", self.key, target, exc.info())

    def reconnect(self, audio: pj.AudioMedia) -> None:
        """(Re)connect prompt player and recorder to the call's audio after an offer/answer."""
        self.audio = audio
        if self.player is not None:
            self.player.startTransmit(audio)
        if self.recorder is not None:
            audio.startTransmit(self.recorder)
