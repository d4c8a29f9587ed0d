"""The recording-done path of the SIP worker, without pjsua2 calls: the session tells the worker when a
recording is the call's last (# / silence / limit, only the goodbye left), the worker hands it to the writer
once its WAV is complete, and the writer runs call_recorded between progress and ended, in order."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.flow import load_flow, parse_flow
from ivr.words import known_prompt_keys
from telephony.port import AllowAll
from telephony.sip.session import CallSession, RecordingParams, records_from
from telephony.sip.writer import CallWriter
from tests.test_sip_session import NOON, FakeMedia, FakeStore, Meter
from tests.wav_support import make_prompts, write_wav


class Hook:
    def __init__(self, store: FakeStore) -> None:
        self.calls: list[tuple] = []
        self.store = store

    def __call__(self, key: str, path: str, seconds: float) -> None:
        self.calls.append((key, path, seconds, list(self.store.nodes())))


def _session(tmp_path, flow):
    prompts = tmp_path / "prompts"
    make_prompts(prompts, known_prompt_keys(), seconds=0.05)
    media, store, meter = FakeMedia(), FakeStore(), Meter()
    hook = Hook(store)
    session = CallSession(key="k", flow=flow, media=media, store=store, prompts_dir=prompts,
                          recordings_dir=tmp_path / "rec", recording_name="day/k.wav",
                          params=RecordingParams(silence_rms=300.0, no_speech_seconds=5.0),
                          meter_factory=lambda path: meter, on_recorded=hook)
    session.start(caller="13800138000", local_time=NOON, blocked=False, now=0.0)
    return session, media, store, meter, hook


def _play_all(session, now: float) -> None:
    for _ in range(20):
        if not session.playing:
            return
        session.play_done(now)


@pytest.fixture
def default_flow(settings):
    return load_flow(settings=settings.model_copy(update={"ivr_record_silence_seconds": 2.0,
                                                          "ivr_max_record_seconds": 30.0}))


def _record(session, media, key: str) -> None:
    session.digit(key, 0.2)
    _play_all(session, 0.5)
    assert media.recording is not None


def test_pound_hands_the_recording_over_while_the_goodbye_plays(tmp_path, default_flow):
    session, media, _store, meter, hook = _session(tmp_path, default_flow)
    _record(session, media, "1")
    meter.pending = [2000.0] * 100
    session.tick(2.5)
    assert hook.calls == []
    session.digit("#", 4.0)
    [(key, path, seconds, nodes)] = hook.calls
    assert (key, path, seconds) == ("k", "day/k.wav", session.recording_seconds)
    assert nodes[-1] == "goodbye"                    # the goodbye node was reported before the hand-over
    assert media.playing == "goodbye" and media.hung_up is None   # the caller still hears it
    _play_all(session, 5.0)
    assert media.hung_up == "done" and len(hook.calls) == 1
    session.disconnected(5.5)
    assert len(hook.calls) == 1


@pytest.mark.parametrize("end", ["silence", "max"])
def test_silence_or_the_limit_hand_the_recording_over(tmp_path, default_flow, end):
    session, media, _, meter, hook = _session(tmp_path, default_flow)
    _record(session, media, "2")
    if end == "silence":
        meter.pending = [1500.0] * 100 + [10.0] * 101
        session.tick(5.0)
    else:
        meter.pending = [1500.0] * 10
        session.tick(0.5 + 31.0)
    assert media.recording is None and [c[:2] for c in hook.calls] == [("k", "day/k.wav")]


def test_caller_hanging_up_while_recording_is_left_to_the_call_end(tmp_path, default_flow):
    session, media, _, _, hook = _session(tmp_path, default_flow)
    _record(session, media, "0")
    session.disconnected(3.0)
    assert session.recording_path == "day/k.wav" and hook.calls == []


def test_no_hand_over_while_the_flow_can_still_record(tmp_path, settings):
    """A flow that offers "press 1 to add more" after the recording: only the last recording is handed over."""
    flow = parse_flow({
        "start": "main", "after_hours": "main", "blocked": "main",
        "nodes": {
            "main": {"type": "menu", "prompts": ["menu"], "options": {"1": "report"}, "on_fail": "goodbye"},
            "report": {"type": "record", "prompts": ["record_beep"], "next": "more"},
            "more": {"type": "menu", "prompts": ["menu"], "options": {"1": "again", "2": "goodbye"},
                     "on_fail": "goodbye"},
            "again": {"type": "record", "prompts": ["record_beep"], "next": "thanks"},
            "thanks": {"type": "play", "prompts": ["goodbye"], "next": "goodbye"},
            "goodbye": {"type": "hangup", "reason": "done"},
        }}, settings=settings)
    assert records_from(flow, "more") and records_from(flow, "report") and not records_from(flow, "thanks")
    session, media, store, _meter, hook = _session(tmp_path, flow)
    _record(session, media, "1")
    session.digit("#", 3.0)
    assert media.recording is None and hook.calls == [] and store.nodes()[-1] == "more"
    _play_all(session, 3.5)
    session.digit("1", 4.0)
    _play_all(session, 4.5)
    assert media.recording is not None
    session.digit("#", 8.0)
    assert [c[:2] for c in hook.calls] == [("k", "day/k-2.wav")]
    assert store.nodes()[-1] == "thanks" and media.hung_up is None


def test_records_from_follows_the_default_flow(default_flow):
    assert not records_from(default_flow, "goodbye") and not records_from(default_flow, "end")
    assert records_from(default_flow, "main") and records_from(default_flow, "blocked")
    assert not records_from(default_flow, "status")   # lookup → goodbye: option 3 never records
    assert not records_from(default_flow, "unknown-node")


# --- the writer thread ----------------------------------------------------------------------------------


class FakeFlows:
    def __init__(self) -> None:
        self.ops: list[tuple] = []

    def call_started(self, ctx, **kw):
        self.ops.append(("started", kw["sip_call_id"]))
        return 7

    def call_progress(self, ctx, *, call_id, **kw):
        self.ops.append(("progress", call_id, kw["ivr_node"]))

    def call_recorded(self, ctx, *, call_id, recording_path, recording_seconds):
        self.ops.append(("recorded", call_id, recording_path, recording_seconds))
        return "recorded"

    def call_ended(self, ctx, *, call_id, outcome, recording_path, recording_seconds):
        self.ops.append(("ended", call_id, outcome, recording_path))
        return "recorded"


def test_writer_runs_recorded_in_order_and_keeps_the_call_for_its_end():
    flows = FakeFlows()
    writer = CallWriter(object(), worker="w", on_lookup=lambda *a: None, screen=AllowAll(), flows=flows)
    writer.recorded("early", recording_path="x.wav", recording_seconds=1.0)   # before started: dropped
    writer.started("k", sip_call_id="sip-1", caller_raw="13800138000", callee="12345")
    writer.progress("k", ivr_node="report")
    writer.recorded("k", recording_path="d/k.wav", recording_seconds=4.5)
    writer.progress("k", ivr_node="goodbye")
    writer.ended("k", outcome="done", recording_path="d/k.wav", recording_seconds=4.5)
    writer.start()
    writer.stop()
    assert flows.ops == [("started", "sip-1"), ("progress", 7, "report"), ("recorded", 7, "d/k.wav", 4.5),
                         ("progress", 7, "goodbye"), ("ended", 7, "done", "d/k.wav")]
    assert writer.ids == {} and writer.errors == 0


# --- the worker: hand over once the WAV is complete ------------------------------------------------------


class FakeWriter:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def recorded(self, key, *, recording_path, recording_seconds):
        self.sent.append(("recorded", key, recording_path, recording_seconds))

    def ended(self, key, *, outcome, recording_path, recording_seconds):
        self.sent.append(("ended", key, outcome, recording_path))


def _growing_wav(path: Path, seconds: float) -> None:
    """A WAV as the recorder leaves it while still writing: the header counts no frames yet."""
    write_wav(path, np.zeros(0, dtype=np.int16))
    with path.open("ab") as f:
        f.write(b"\x00\x00" * int(8000 * seconds))


@pytest.fixture
def worker(settings, default_flow):
    pytest.importorskip("pjsua2")
    from telephony.sip.worker import Worker

    w = Worker(settings, port=0, rtp_port=0, name="w-unit", screen=AllowAll(), ctx=object(), flow=default_flow)
    w.writer = FakeWriter()
    return w


def test_worker_hands_over_once_the_wav_is_complete(worker):
    wav_path = worker.recordings_dir / "d" / "k.wav"
    _growing_wav(wav_path, 3.0)
    worker._recorded("k", "d/k.wav", 2.98)
    worker._hand_over()
    assert worker.writer.sent == [] and len(worker._handing) == 1
    write_wav(wav_path, np.zeros(8000 * 3, dtype=np.int16))   # the recorder closed: header complete
    worker._hand_over()
    assert worker.writer.sent == [("recorded", "k", "d/k.wav", 3.0)] and worker._handing == []


def test_worker_end_takes_over_a_recording_not_yet_handed_over(worker):
    wav_path = worker.recordings_dir / "d" / "k.wav"
    _growing_wav(wav_path, 1.0)
    worker._recorded("k", "d/k.wav", 1.0)
    worker._closing.append((0.0, "k", "hangup", "d/k.wav", 1.0))   # caller hung up right after #
    write_wav(wav_path, np.zeros(8000, dtype=np.int16))
    worker._report_closed()
    worker._hand_over()
    assert worker.writer.sent == [("ended", "k", "hangup", "d/k.wav")]   # one report, the end carries it


def test_worker_gives_up_the_hand_over_of_a_wav_that_never_completes(worker, caplog):
    _growing_wav(worker.recordings_dir / "d" / "k.wav", 1.0)
    worker._recorded("k", "d/k.wav", 1.0)
    worker._handing = [(0.0, *worker._handing[0][1:])]   # its deadline has passed
    worker._hand_over()
    assert worker.writer.sent == [] and worker._handing == []
    assert "handed over when the call ends" in caplog.text
    with wave.open(str(worker.recordings_dir / "d" / "k.wav"), "rb") as w:
        assert w.getnframes() == 0


# --- call slots: a finished call is freed only when that cannot cut off a live one -----------------------------


class SlotCall:
    """What the worker's bookkeeping uses of a PjCall, on a given PJSUA call slot."""

    def __init__(self, key: str, slot: int, *, orphaned: bool = False) -> None:
        self.key, self.slot, self.lost = key, slot, orphaned
        self.session, self.audio, self.garbage = None, None, []
        self.accepted = self.answered = True

    def orphaned(self) -> bool:
        return self.lost

    def stop_play(self) -> None: ...

    def stop_recording(self) -> None: ...


def test_worker_frees_a_finished_call_only_once_no_live_call_holds_its_slot(worker):
    """pjsua2's ~Call unlinks and hangs up whatever call holds the slot it once had: freed while a newer call
    uses that slot, a finished call would leave the newer one without its DISCONNECTED, never logged."""
    import weakref

    old, first, second = SlotCall("old", 1), SlotCall("a", 0), SlotCall("b", 1)   # slot 1 was handed out again
    worker.calls, worker._dead = {"a": first, "b": second}, [old]
    gone, kept = weakref.ref(first), weakref.ref(old)
    del first, old
    worker._finish("a")
    assert gone() is None and [c.key for c in worker._dead] == ["old"]   # slot 1 still serves call b
    worker._finish("b")
    assert kept() is None and worker._dead == [] and worker.calls == {}
    assert worker.writer.sent == [("ended", "a", "hangup", None), ("ended", "b", "hangup", None)]


def test_worker_closes_a_call_pjsua_no_longer_reports(worker, caplog):
    worker.calls = {"a": SlotCall("a", 0, orphaned=True), "b": SlotCall("b", 1)}
    worker._close_orphans()
    assert list(worker.calls) == ["b"] and worker.writer.sent == [("ended", "a", "hangup", None)]
    assert "no longer reports this call" in caplog.text
    worker._close_orphans()
    assert list(worker.calls) == ["b"] and len(worker.writer.sent) == 1


@pytest.mark.parametrize("slot_reset", [True, False])
def test_worker_starts_the_ivr_of_a_call_gone_before_its_media_event(worker, default_flow, tmp_path, slot_reset):
    """ACK and BYE handled in one go: the call's media event finds its INVITE session terminated (its slot reset,
    or not yet). The answered call still enters the IVR (its path starts at main); its DISCONNECTED, next in
    line, closes it."""
    import pjsua2 as pj

    class GoneCall(SlotCall):
        def getInfo(self):
            if slot_reset:
                raise pj.Error()
            return type("Info", (), {"media": []})()

        def isActive(self) -> bool:
            return False

    call, store = GoneCall("k", 0), FakeStore()
    call.session = CallSession(key="k", flow=default_flow, media=FakeMedia(), store=store, prompts_dir=tmp_path,
                               recordings_dir=tmp_path / "rec", recording_name="d/k.wav",
                               params=RecordingParams(silence_rms=300.0, no_speech_seconds=5.0))
    call.session.caller, call.session.blocked, call.session.warning = "13800138000", False, False
    worker._on_media(call, 1.0)
    assert call.session.state is not None and store.nodes() == ["main"]
