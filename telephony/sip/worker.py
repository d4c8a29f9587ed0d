"""One SIP worker process on pjsua2: answers INVITEs on UDP and TCP and runs the IVR for each call.

Threading (see NOTES.md and telephony/sip/endpoint.py): the main thread opened the SipEndpoint, loops its
`poll()` and owns every pjsua2 object. pjsua2 callbacks only copy data into `self.events`;
the loop then drives the call's `CallSession` (IVR executor) and its media. Database writes and ticket
lookups run on the `CallWriter` thread through telephony.flows. SIGTERM/SIGINT hang up and exit cleanly.
"""

from __future__ import annotations

import logging
import queue
import signal
import time
import uuid
from datetime import UTC, datetime, tzinfo
from typing import Any

import pjsua2 as pj

from hotline.settings import Settings
from telephony.port import CallerScreen
from telephony.sip.endpoint import EndpointConfig, SipEndpoint
from telephony.sip.level import WavTail
from telephony.sip.pjcall import PjCall
from telephony.sip.recovery import mark_worker_calls_lost
from telephony.sip.session import CallSession, RecordingParams, wav_seconds
from telephony.sip.sipmsg import header_user, header_value, request_user
from telephony.sip.writer import CallWriter, load_screen

log = logging.getLogger(__name__)


def recording_name(key: str, *, at: datetime, tz: tzinfo) -> str:
    """Recordings are filed by the hotline's local day (like ticket numbers), not the host's day."""
    return f"{at.astimezone(tz):%Y%m%d}/{key}.wav"


class _Account(pj.Account):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def onIncomingCall(self, prm) -> None:
        self.worker.incoming(self, prm.callId, prm.rdata.wholeMsg)


class Worker:
    def __init__(self, settings: Settings, *, port: int, rtp_port: int, name: str,
                 screen: CallerScreen | None = None, ctx: Any = None, flow: Any = None,
                 ring_seconds: float = 0.0) -> None:
        self.settings, self.port, self.rtp_port, self.name = settings, port, rtp_port, name
        self.ring_seconds = ring_seconds
        self.events: queue.Queue = queue.Queue()
        self.calls: dict[str, PjCall] = {}
        self._dead: list[PjCall] = []   # finished calls, freed once no live call holds their PJSUA slot
        self._closing: list[tuple[float, str, str, str | None, float]] = []
        self._handing: list[tuple[float, str, str, float]] = []   # final recordings waiting for their WAV
        self.stopping = False
        if ctx is None:
            from hotline.context import AppContext

            ctx = AppContext.from_settings(settings)
        from ivr.flow import flow_path, load_flow, missing_warning_notice

        source = "given to the worker" if flow is not None else flow_path(settings=settings)
        self.flow = flow if flow is not None else load_flow(settings=settings)
        if gap := missing_warning_notice(self.flow, source):
            log.warning("worker %s: %s", name, gap)
        self.writer = CallWriter(ctx, worker=name, on_lookup=self._lookup_reply, on_screen=self._screen_reply,
                                 screen=screen or load_screen(settings.telephony_caller_screen, ctx))
        self.prompts_dir = settings.data_dir.resolve() / "prompts"
        self.recordings_dir = settings.data_dir.resolve() / "recordings"
        self.params = RecordingParams(silence_rms=settings.sip_silence_rms,
                                      no_speech_seconds=settings.sip_no_answer_seconds)

    # --- pjsua2 callbacks (copy and enqueue only) ----------------------------------------------------
    def incoming(self, acc: pj.Account, call_id: int, message: str) -> None:
        key = uuid.uuid4().hex
        call = PjCall(self.events, acc, call_id, key)
        self.calls[key] = call   # strong reference, else GC declines the call
        self.events.put(("incoming", key, message))

    def _lookup_reply(self, key: str, found: bool, words: tuple[str, ...]) -> None:  # writer thread
        self.events.put(("lookup", key, (found, words)))

    def _screen_reply(self, key: str, blocked: bool, warning: bool) -> None:  # writer thread
        self.events.put(("screened", key, (blocked, warning)))

    # --- lifecycle -----------------------------------------------------------------------------------
    def request_stop(self, *_: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.request_stop)
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        lost = mark_worker_calls_lost(self.writer.ctx, worker=self.name, reason="SIP worker restarted")
        if lost:
            log.warning("%d call(s) of a previous %s closed as lost", lost, self.name)
        self.writer.start()
        self.endpoint = SipEndpoint(EndpointConfig.inbound(self.settings, port=self.port, rtp_port=self.rtp_port))
        self.endpoint.open(_Account(self))
        log.info("SIP worker %s listening on %s:%d (udp, tcp)", self.name, self.settings.sip_host, self.port)
        print(f"READY {self.name} {self.settings.sip_host}:{self.port}", flush=True)
        last_tick = 0.0
        while not self.stopping:
            self.endpoint.poll(10)
            self._drain()
            now = time.monotonic()
            if self._handing:
                self._hand_over()
            if self._closing:
                self._report_closed()
            if now - last_tick >= 0.1:
                last_tick = now
                self._close_orphans()
                self._tick(now)
        self._shutdown()
        return 0

    def _shutdown(self) -> None:
        log.info("SIP worker %s stopping (%d call(s))", self.name, len(self.calls))
        self.endpoint.hangup_all()
        deadline = time.monotonic() + 2.0
        while self.calls and time.monotonic() < deadline:
            self.endpoint.poll(20)
            self._drain()
        for key in list(self.calls):
            self._finish(key)
        deadline = time.monotonic() + 2.0
        while self._closing and time.monotonic() < deadline:
            self.endpoint.poll(20)
            self._report_closed()
        self._report_closed(force=True)
        self._dead.clear()   # no pjsua2 object may outlive libDestroy()
        self.endpoint.close()
        self.writer.stop()

    # --- the loop ----------------------------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            try:
                kind, key, data = self.events.get_nowait()
            except queue.Empty:
                return
            call = self.calls.get(key)
            if call is None:
                continue
            try:
                self._handle(call, kind, data)
            except Exception:   # one broken call never takes the worker down
                log.exception("call %s: %s event failed", key, kind)
                if kind == "state":
                    self._finish(key)

    def _handle(self, call: PjCall, kind: str, data: Any) -> None:
        now = time.monotonic()
        if kind == "incoming":
            self._on_incoming(call, data, now)
        elif kind == "state":
            if data[0] == pj.PJSIP_INV_STATE_DISCONNECTED:
                self._finish(call.key, cancelled=not call.answered)
        elif kind == "media":
            self._on_media(call, now)
        elif kind == "digit" and call.session is not None:
            call.session.digit(data, now)
        elif kind == "eof" and call.session is not None:
            if call.player is not None and id(call.player) == data:
                call.session.play_done(now)
        elif kind == "screened" and call.session is None and not call.answered:
            self._on_screened(call, data, now)
        elif kind == "lookup" and call.session is not None:
            call.session.lookup_done(data[0], data[1], now)
        self._collect(call)

    def _on_incoming(self, call: PjCall, message: str, now: float) -> None:
        caller = header_user(message, ("p-asserted-identity", "from", "f"))
        sip_call_id = header_value(message, ("call-id", "i")) or call.key
        self.writer.started(call.key, sip_call_id=sip_call_id[:128], caller_raw=caller,
                            callee=request_user(message))
        if sum(1 for c in self.calls.values() if c.accepted) >= self.settings.sip_max_calls:
            call.hangup_call(486)
            return
        call.accepted, call.arrived, call.caller = True, now, caller
        prm = pj.CallOpParam()
        prm.statusCode = 180
        call.answer(prm)
        self.writer.screen(call.key, caller)   # blacklist check off the pjsua2 thread; answers "screened"

    def _on_screened(self, call: PjCall, screened: tuple[bool, bool], now: float) -> None:
        call.session = CallSession(
            key=call.key, flow=self.flow, media=call, store=self.writer, prompts_dir=self.prompts_dir,
            recordings_dir=self.recordings_dir,
            recording_name=recording_name(call.key, at=datetime.now(UTC), tz=self.settings.tz),
            params=self.params, meter_factory=WavTail, on_recorded=self._recorded)
        call.session.caller, (call.session.blocked, call.session.warning) = call.caller, screened
        call.answer_at = max(now, call.arrived + self.ring_seconds)
        if now >= call.answer_at:
            self._answer(call, now)

    def _answer(self, call: PjCall, now: float) -> None:
        call.answer_at = None
        prm = pj.CallOpParam()
        prm.statusCode = 200
        call.answer(prm)
        call.answered = True

    def _on_media(self, call: PjCall, now: float) -> None:
        try:
            info = call.getInfo()   # keep it: its media list lives inside it
        except pj.Error:   # the caller hung up (ACK and BYE at once) before this event was handled
            info = None
        gone = info is None or not call.isActive()
        for media in info.media if info is not None else ():
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                call.reconnect(call.getAudioMedia(media.index))
                break
        session = call.session
        # An answered call always enters the IVR, also when it is gone already: its DISCONNECTED comes next.
        if (call.audio is not None or gone) and session is not None and session.state is None:
            session.start(caller=session.caller, local_time=datetime.now(self.settings.tz),
                          blocked=session.blocked, warning=session.warning, now=now)

    def _tick(self, now: float) -> None:
        for call in list(self.calls.values()):
            try:
                if call.answer_at is not None and now >= call.answer_at:
                    self._answer(call, now)
                if call.session is not None:
                    call.session.tick(now)
                self._collect(call)
            except Exception:
                log.exception("call %s: timer failed", call.key)

    def _collect(self, call: PjCall) -> None:
        call.garbage.clear()

    def _finish(self, key: str, cancelled: bool = False) -> None:
        call = self.calls.pop(key, None)
        if call is None:
            return
        session = call.session
        if session is not None:
            session.disconnected(time.monotonic())
        call.stop_play()
        call.stop_recording()
        call.audio = None
        call.garbage.clear()
        call.session = None   # no PjCall <-> CallSession cycle: the call is freed before libDestroy()
        if not call.accepted:
            outcome = "busy"
        elif cancelled:
            outcome = "cancelled"
        else:
            outcome = session.outcome if session is not None else "hangup"
        path = session.recording_path if session else None
        # PJSIP 2.14+ destroys conference ports on its clock thread: the recorder completes its WAV header a
        # tick later. The end is reported once the file is complete, so processing never reads half a WAV.
        self._closing.append((time.monotonic() + 2.0, key, outcome, path,
                              session.recording_seconds if session else 0.0))
        self._report_closed()
        self._dead.append(call)   # freed outside its own callback chain
        self._release_dead()

    def _release_dead(self) -> None:
        """Free the finished calls whose PJSUA slot no live call holds. pjsua2's ~Call clears the slot's link to
        whatever call uses it now and hangs that call up: freed too early, a finished call would orphan a live
        one (never logged as ended, counted against sip_max_calls for good)."""
        live = {c.slot for c in self.calls.values()}
        self._dead = [c for c in self._dead if c.slot in live]

    def _close_orphans(self) -> None:
        """Close the calls PJSUA no longer reports to (runs right after the events are drained, so a DISCONNECTED
        already delivered is never mistaken for a lost one): a finished call is always logged as ended."""
        for key, call in list(self.calls.items()):
            try:
                orphaned = call.orphaned()
            except pj.Error:
                orphaned = True
            if orphaned:
                log.error("call %s: PJSUA no longer reports this call (slot %d); closed without its DISCONNECTED",
                          key, call.slot)
                self._finish(key, cancelled=not call.answered)

    def _recorded(self, key: str, path: str, seconds: float) -> None:
        """The session's last recording ended while the call goes on: hand it to processing once its WAV is
        complete (like at the end of a call, a tick later), so transcription overlaps the goodbye prompt."""
        self._handing.append((time.monotonic() + 2.0, key, path, seconds))

    def _hand_over(self) -> None:
        now, waiting = time.monotonic(), []
        for deadline, key, path, seconds in self._handing:
            final = wav_seconds(self.recordings_dir / path)
            if final is not None:
                self.writer.recorded(key, recording_path=path, recording_seconds=round(final, 2))
            elif now < deadline:
                waiting.append((deadline, key, path, seconds))
            else:
                log.warning("call %s: recording %s not complete in time; handed over when the call ends", key, path)
        self._handing = waiting

    def _report_closed(self, force: bool = False) -> None:
        now, waiting = time.monotonic(), []
        for deadline, key, outcome, path, seconds in self._closing:
            final = wav_seconds(self.recordings_dir / path) if path else None
            if path and final is None and now < deadline and not force:
                waiting.append((deadline, key, outcome, path, seconds))
                continue
            if path and final is None:
                log.error("call %s: recording %s was not completed in time", key, path)
            self._handing = [h for h in self._handing if h[1] != key]   # the end carries the recording
            self.writer.ended(key, outcome=outcome, recording_path=path,
                              recording_seconds=round(final, 2) if final is not None else seconds)
        self._closing = waiting
