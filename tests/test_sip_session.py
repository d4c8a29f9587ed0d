"""The SIP worker's IVR action executor (telephony/sip/session.py) with the real IVR engine and default flow,
a fake media (what would be pjsua2) and a fake store (what would be the writer thread). Time is a number."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from ivr.flow import load_flow
from ivr.words import known_prompt_keys
from telephony.sip.level import WavTail
from telephony.sip.session import CallSession, RecordingParams
from telephony.sip.sipmsg import header_user, header_value, request_user
from tests.wav_support import make_prompts, tone, write_wav

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class FakeMedia:
    def __init__(self) -> None:
        self.played: list[str] = []
        self.playing: str | None = None
        self.recording: Path | None = None
        self.recorded: list[Path] = []
        self.hung_up: str | None = None
        self.transfers: list[str] = []
        self.stops = 0

    def play(self, path: Path) -> bool:
        self.played.append(path.stem)
        self.playing = path.stem
        return True

    def stop_play(self) -> None:
        self.stops += 1
        self.playing = None

    def start_recording(self, path: Path) -> bool:
        self.recording = path
        write_wav(path, np.zeros(0, dtype=np.int16))
        return True

    def stop_recording(self) -> None:
        self.recorded.append(self.recording)
        self.recording = None

    def hangup(self, reason: str) -> None:
        self.hung_up = reason

    def transfer(self, target: str) -> None:
        self.transfers.append(target)


class FakeStore:
    def __init__(self) -> None:
        self.progress_calls: list[dict] = []
        self.lookups: list[str] = []

    def progress(self, key, *, ivr_node=None, digits=None, mark=None) -> None:
        self.progress_calls.append({k: v for k, v in
                                    {"ivr_node": ivr_node, "digits": digits, "mark": mark}.items() if v})

    def lookup(self, key, number) -> None:
        self.lookups.append(number)

    def nodes(self) -> list[str]:
        return [p["ivr_node"] for p in self.progress_calls if "ivr_node" in p]


class Meter:
    """Levels the test feeds in, like WavTail would read them from the recorder's file."""

    def __init__(self) -> None:
        self.pending: list[float] = []

    def levels(self) -> list[float]:
        out, self.pending = self.pending, []
        return out


@pytest.fixture
def call(tmp_path, settings):
    flow = load_flow(settings=settings.model_copy(update={"ivr_record_silence_seconds": 2.0,
                                                          "ivr_max_record_seconds": 30.0}))
    prompts = tmp_path / "prompts"
    make_prompts(prompts, known_prompt_keys() - {"goodbye"}, seconds=0.05)
    media, store, meter = FakeMedia(), FakeStore(), Meter()
    session = CallSession(key="k", flow=flow, media=media, store=store, prompts_dir=prompts,
                          recordings_dir=tmp_path / "rec", recording_name="day/k.wav",
                          params=RecordingParams(silence_rms=300.0, no_speech_seconds=5.0),
                          meter_factory=lambda path: meter)
    session.start(caller="13800138000", local_time=NOON, blocked=False, now=0.0)
    return session, media, store, meter


def _finish_prompts(session, media, now: float) -> None:
    for _ in range(20):
        if not session.playing:
            return
        session.play_done(now)


def test_menu_prompts_play_in_order_then_gather_times_out_and_reprompts(call):
    session, media, store, _ = call
    assert media.played == ["greeting"]
    _finish_prompts(session, media, 1.0)
    assert media.played == ["greeting", "menu"] and session.gather is not None
    session.tick(1.0 + session.gather.timeout_s + 0.1)
    assert media.played[-1] == "timeout" and session.gather is None
    _finish_prompts(session, media, 8.0)
    assert media.played[-2:] == ["timeout", "menu"] and session.gather is not None
    assert store.nodes() == ["main"]


def test_key_during_prompt_barges_in_records_until_pound(call, tmp_path):
    session, media, store, meter = call
    session.digit("1", 0.5)                        # while the greeting plays
    assert media.stops >= 1 and {"mark": {"menu_choice": "1"}} in store.progress_calls
    assert store.nodes() == ["main", "report"]
    _finish_prompts(session, media, 1.0)           # record_beep, then the beep
    assert media.played[-2:] == ["record_beep", "beep"] and media.recording is not None
    meter.pending = [2000.0] * 50
    session.tick(2.0)
    session.digit("#", 4.0)
    assert media.recording is None and session.recording_path == "day/k.wav"
    assert store.nodes()[-1] == "goodbye"
    # goodbye.wav is missing: skipped, the call still ends
    assert media.hung_up is not None and session.outcome == media.hung_up
    assert [p.get("digits") for p in store.progress_calls if "digits" in p] == ["1", "#"]


def test_silence_after_speech_ends_the_recording(call):
    session, media, store, meter = call
    session.digit("2", 0.2)
    _finish_prompts(session, media, 0.5)
    assert media.recording is not None
    meter.pending = [1500.0] * 100 + [10.0] * 99     # 2 s of speech, 1.98 s of silence
    session.tick(5.0)
    assert media.recording is not None
    meter.pending = [10.0] * 2
    session.tick(5.1)
    assert media.recording is None and store.nodes()[-1] == "goodbye"


def test_no_speech_at_all_waits_longer_then_the_maximum_applies(call):
    session, media, _, meter = call
    session.digit("1", 0.2)
    _finish_prompts(session, media, 0.5)
    meter.pending = [0.0] * 200                    # 4 s of silence < no_speech_seconds (5 s)
    session.tick(4.5)
    assert media.recording is not None
    session.tick(0.5 + 31.0)                       # past max_record_seconds
    assert media.recording is None


def test_caller_hangup_while_recording_keeps_the_recording_and_the_marks(call):
    session, media, store, _meter = call
    session.digit("0", 0.2)
    _finish_prompts(session, media, 0.5)
    session.disconnected(3.0)
    assert session.recording_path == "day/k.wav" and session.outcome == "hangup"
    assert {"mark": {"menu_choice": "0", "urgent": True}} in store.progress_calls
    session.digit("1", 4.0)                        # late events after the end are ignored
    assert media.played.count("record_beep") <= 1


def test_status_lookup_speaks_the_answer(call):
    session, media, store, _ = call
    session.digit("3", 0.2)
    _finish_prompts(session, media, 0.5)
    for d in "2026#":
        session.digit(d, 1.0)
    assert store.lookups == ["2026"]
    session.lookup_done(True, ("accepted",), 1.5)
    assert media.playing is not None and session.playing


def test_sip_headers_are_read_from_the_raw_request():
    msg = ("INVITE sip:12345@10.0.0.1:5060 SIP/2.0\r\nf: \"x\" <sip:anonymous@anonymous.invalid>;tag=1\r\n"
           "P-Asserted-Identity: <tel:+8613800138000>\r\ni: abc@host\r\n\r\nv=0\r\n")
    assert header_user(msg, ("p-asserted-identity", "from", "f")) == "+8613800138000"
    assert header_user(msg, ("from", "f")) == "anonymous"
    assert header_value(msg, ("call-id", "i")) == "abc@host" and request_user(msg) == "12345"
    assert header_user("garbage", ("from",)) is None and request_user("") is None


def test_wav_tail_reads_levels_of_new_frames_only(tmp_path):
    path = write_wav(tmp_path / "r.wav", np.concatenate([np.zeros(1600, np.int16), tone(0.2, 400, 8000)]))
    tail = WavTail(path)
    levels = tail.levels()
    assert len(levels) == 20 and max(levels[:10]) == 0 and min(levels[10:]) > 4000
    assert tail.levels() == []


def test_recordings_are_filed_by_the_local_day_not_the_hosts_day():
    from telephony.sip.worker import recording_name

    shanghai = ZoneInfo("Asia/Shanghai")
    # 17:00 UTC on the 7th is 01:00 on the 8th in Shanghai; a host on UTC would still say the 7th
    late = datetime.fromisoformat("2026-12-07T17:00:00+00:00")
    assert recording_name("k1", at=late, tz=shanghai) == "20261208/k1.wav"
    assert recording_name("k2", at=late.replace(hour=15, minute=59), tz=shanghai) == "20261207/k2.wav"
