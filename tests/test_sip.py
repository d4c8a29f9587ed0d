"""Real calls to a real pjsua2 SIP worker process: SIPp places them with μ-law audio and keys (RFC 2833 and
SIP INFO) over UDP and TCP; the Call rows written through telephony.flows are checked."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.words import known_prompt_keys
from telephony.models import Call
from tests.baresip_support import BARESIP, baresip_call
from tests.ports_support import free_port, wait_for
from tests.process_support import BLOCKED_CALLER, hotline_env, start_process, stop_process, wait_ready
from tests.rtp_support import call_pcap
from tests.sipp_support import SIPP, run_sipp, scenario
from tests.wav_support import make_prompts, read_wav, speech, tone

pytestmark = pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")

SPEECH_TEXT = "我要反映一个问题，我们小区门口的路灯坏了很久了，晚上很黑。"


@pytest.fixture(scope="module")
def worker(tmp_path_factory, database_url):
    from hotline.settings import Settings

    root = tmp_path_factory.mktemp("sip")
    settings = Settings(data_dir=root / "data", database_url=database_url, _env_file=None)
    make_prompts(settings.data_dir / "prompts", known_prompt_keys())
    (settings.data_dir / "prompts" / "goodbye.wav").unlink()   # a missing prompt must not break calls
    port, rtp = free_port(), free_port()
    env = hotline_env(settings, HOTLINE_IVR_RECORD_SILENCE_SECONDS="2", HOTLINE_IVR_GATHER_TIMEOUT_SECONDS="4",
                      HOTLINE_IVR_MAX_RECORD_SECONDS="12", HOTLINE_SIP_NO_ANSWER_SECONDS="4",
                      HOTLINE_SIP_RING_SECONDS="1", HOTLINE_SIP_HOST="127.0.0.1",
                      HOTLINE_TELEPHONY_CALLER_SCREEN="tests.process_support:block_list_screen")
    log = root / "worker.log"
    proc = start_process(["telephony", "worker", "--port", str(port), "--rtp-port", str(rtp), "--name", "w-test"],
                         env, log)
    try:
        wait_ready(log, "READY", proc)
        yield type("W", (), {"port": port, "proc": proc, "log": log, "root": root, "settings": settings,
                             "target": f"127.0.0.1:{port}"})
    finally:
        stop_process(proc)
        print(log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    path = speech(tmp_path_factory.mktemp("voice") / "speech.wav", SPEECH_TEXT)
    return read_wav(path)[: 8000 * 4]


def _call(context, caller: str, timeout: float = 20.0) -> Call:
    def ended():
        with context.sessions() as s:
            call = s.scalars(select(Call).where(Call.caller_raw == caller)).first()
            return call if call is not None and call.ended_at is not None else None
    call = wait_for(ended, timeout)
    assert call is not None, f"no ended call from {caller}"
    return call


def _place(worker, tmp_path, caller, steps, *, transport="u1", answer=True, timeout=40):
    sc = scenario(tmp_path / f"{caller}.xml", caller=caller, steps=steps, answer=answer)
    result = run_sipp(sc, worker.target, workdir=tmp_path, transport=transport, timeout=timeout)
    errors = "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.err"))
    assert result.returncode == 0, result.stdout[-1500:] + errors
    return result


def _recording(worker, call: Call) -> Path:
    path = worker.settings.data_dir / "recordings" / call.recording_path
    assert path.is_file()
    return path


def test_report_with_rfc2833_keys_records_until_pound(worker, voice, context, tmp_path):
    pcap = call_pcap(tmp_path / "a.pcap", seconds=9, audio=[(2.5, voice)], keys=[(1.0, "1"), (7.5, "#")])
    _place(worker, tmp_path, "13800138000", [("pcap", pcap), ("wait_bye", 15000)])
    call = _call(context, "13800138000")
    assert call.caller == "13800138000" and call.callee == "12345" and call.worker == "w-test"
    assert call.ivr_path[:2] == ["main", "report"] and "goodbye" in call.ivr_path
    assert call.digits == "1#" and call.menu_choice == "1" and call.ticket_type == "help"
    assert call.status == "recorded" and call.outcome != "hangup"   # the IVR hung up after goodbye
    audio = read_wav(_recording(worker, call))
    assert 4.0 <= call.recording_seconds <= 7.0
    assert abs(len(audio) / 8000 - call.recording_seconds) < 0.1
    assert abs(audio.astype(float)).mean() > 100   # the caller's voice is in it


def test_consult_over_tcp_with_sip_info_ends_on_silence(worker, voice, context, tmp_path):
    pcap = call_pcap(tmp_path / "b.pcap", seconds=12, audio=[(2.0, voice[: 8000 * 3])])
    _place(worker, tmp_path, "13900139000", [("pcap", pcap), ("pause", 600), ("info", "2"),
                                             ("wait_bye", 15000)], transport="t1")
    call = _call(context, "13900139000")
    assert call.digits == "2" and call.menu_choice == "2" and call.ticket_type == "consult"
    assert call.ivr_path[:2] == ["main", "consult"]
    _recording(worker, call)
    # recording starts ≈1.2 s, speech ends at 5.0 s, then 2 s of silence end it
    assert 2.5 <= call.recording_seconds <= 7.0


def test_urgent_key_zero_and_caller_hangs_up_while_recording(worker, voice, context, tmp_path):
    pcap = call_pcap(tmp_path / "c.pcap", seconds=6, audio=[(2.0, voice)], keys=[(0.6, "0")])
    _place(worker, tmp_path, "02088886666", [("pcap", pcap), ("pause", 5000), ("bye",)])
    call = _call(context, "02088886666")
    assert call.menu_choice == "0" and call.urgent is True and call.outcome == "hangup"
    assert call.status == "recorded" and 1.5 <= call.recording_seconds <= 4.5
    _recording(worker, call)


def test_hold_and_resume_keep_the_recording_going(worker, voice, context, tmp_path):
    first = call_pcap(tmp_path / "d1.pcap", seconds=2.5, keys=[(0.5, "1")])
    second = call_pcap(tmp_path / "d2.pcap", seconds=4, audio=[(0.0, voice[: 8000 * 3])], keys=[(3.5, "#")])
    _place(worker, tmp_path, "13700137000", [("pcap", first), ("pause", 2600), ("hold",), ("pause", 500),
                                             ("resume",), ("pcap", second), ("wait_bye", 15000)])
    call = _call(context, "13700137000")
    assert call.digits == "1#" and call.status == "recorded"
    audio = read_wav(_recording(worker, call))
    assert abs(audio[-8000 * 3:].astype(float)).mean() > 100


def test_cancel_while_ringing_gets_487_and_is_logged(worker, context, tmp_path):
    _place(worker, tmp_path, "13600136000", [], answer=False)
    call = _call(context, "13600136000")
    assert call.outcome == "cancelled" and call.status == "logged" and call.recording_path is None
    assert call.answered_at is None


def test_immediate_hangup_is_logged_without_recording(worker, context, tmp_path):
    _place(worker, tmp_path, "13500135000", [("bye",)])
    call = _call(context, "13500135000")
    assert call.outcome == "hangup" and call.status == "logged" and call.recording_path is None
    assert call.ivr_path == ["main"] and call.digits == ""


def test_dtmf_only_status_lookup_of_unknown_ticket(worker, context, tmp_path):
    keys = [(0.5, "3")] + [(1.5 + 0.3 * i, d) for i, d in enumerate("20260001#")]
    pcap = call_pcap(tmp_path / "e.pcap", seconds=6, keys=keys)
    _place(worker, tmp_path, "13400134000", [("pcap", pcap), ("pause", 6000), ("bye",)])
    call = _call(context, "13400134000")
    assert call.digits == "320260001#" and call.ivr_path[:2] == ["main", "status"]
    assert call.recording_path is None and call.status == "logged"


def test_malformed_sip_does_not_stop_the_worker(worker, context, tmp_path):
    rng = random.Random(3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for i in range(300):
            udp.sendto(rng.randbytes(rng.randint(1, 1400)), ("127.0.0.1", worker.port))
        broken = (f"INVITE sip:12345@127.0.0.1:{worker.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n"
                  "From: <sip:1@x>;tag=1\r\nTo: <sip:12345@x>\r\nCall-ID: broken-sdp\r\nCSeq: 1 INVITE\r\n"
                  "Contact: <sip:1@127.0.0.1:9>\r\nContent-Type: application/sdp\r\nContent-Length: 20\r\n\r\n"
                  "v=0\r\nm=audio xx RTP\r\n")
        udp.sendto(broken.encode(), ("127.0.0.1", worker.port))
        udp.sendto(b"OPTIONS sip:x SIP/2.0\r\nX-Big: " + b"a" * 60000 + b"\r\n\r\n", ("127.0.0.1", worker.port))
    with socket.create_connection(("127.0.0.1", worker.port), timeout=5) as tcp:
        tcp.sendall(b"INVITE sip:12345@127.0.0.1 SIP/2.0\r\nX-Big: " + b"b" * 60000 + b"\r\n\r\n")
        time.sleep(0.3)
    assert worker.proc.poll() is None
    _place(worker, tmp_path, "13300133000", [("bye",)])
    assert _call(context, "13300133000").status == "logged"
    assert worker.proc.poll() is None


def test_fifth_simultaneous_call_is_busy(worker, context, tmp_path):
    pcap = call_pcap(tmp_path / "f.pcap", seconds=4, audio=[(0.0, tone(4, 200, 300))])
    sc = scenario(tmp_path / "many.xml", caller="13200132000", steps=[("pcap", pcap), ("pause", 4000), ("bye",)])
    result = run_sipp(sc, worker.target, workdir=tmp_path, calls=5, timeout=40)
    assert result.returncode != 0   # one call failed: the wheel's 4-call limit answers 486
    assert "486" in "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.err"))

    def all_ended():
        with context.sessions() as s:
            rows = list(s.scalars(select(Call).where(Call.caller_raw == "13200132000")))
            return rows if len(rows) >= 4 and all(c.ended_at for c in rows) else None
    calls = wait_for(all_ended, 25)
    assert calls, "the answered calls must be logged"
    # PJSIP refuses a 5th call itself, or the worker does (then it is logged as busy)
    outcomes = sorted(c.outcome for c in calls)
    assert outcomes in (["hangup"] * 4, ["busy"] + ["hangup"] * 4)


def test_calls_hanging_up_out_of_order_are_all_logged(worker, context, tmp_path):
    """Rounds of four calls at once that hang up in another order than they came in: PJSUA hands their call
    slots out again and again, yet no call is cut off by the service and each is logged as soon as it ends."""
    from concurrent.futures import ThreadPoolExecutor

    def group(name: str, caller: str, hold_ms: int, delay: float):
        time.sleep(delay)
        workdir = tmp_path / name
        workdir.mkdir()
        sc = scenario(workdir / "call.xml", caller=caller, steps=[("pause", hold_ms), ("bye",)])
        result = run_sipp(sc, worker.target, workdir=workdir, calls=2, timeout=30)
        errors = "".join(p.read_text(errors="replace") for p in workdir.glob("*.err"))
        return result.returncode, result.stdout[-1500:] + errors

    for n in range(3):
        first, second = f"1310{n}100000", f"1310{n}200000"   # the first group calls first and hangs up last
        with ThreadPoolExecutor(2) as pool:
            results = [pool.submit(group, f"r{n}a", first, 3000, 0.0), pool.submit(group, f"r{n}b", second, 800, 1.0)]
            outputs = [f.result() for f in results]
        for code, output in outputs:
            assert code == 0, output   # every call ended by its caller's BYE, none by the service

        def ended():
            with context.sessions() as s:
                rows = list(s.scalars(select(Call).where(Call.caller_raw.in_([first, second]))))
                return rows if len(rows) == 4 and all(c.ended_at for c in rows) else None
        calls = wait_for(ended, 10)
        assert calls, f"round {n}: every call that hung up must be logged with its end"
        assert sorted(c.outcome for c in calls) == ["hangup"] * 4


@pytest.mark.skipif(BARESIP is None, reason="needs baresip")
def test_baresip_caller_with_spoken_audio(worker, context, tmp_path):
    voice = tmp_path / "voice.wav"
    speech(voice, SPEECH_TEXT)
    padded = tmp_path / "padded.wav"   # baresip's aufile plays the file once: silence before and after
    subprocess.run(["sox", str(voice), str(padded), "pad", "2", "10"], check=True, timeout=30)
    output = baresip_call(tmp_path, worker.target, caller="13500001111", wav=padded,
                          keys=[(1.0, "1"), (6.0, "#")], seconds=14)
    assert "Call established" in output and "send DTMF digit: '#'" in output
    call = _call(context, "13500001111")
    assert call.caller == "13500001111" and call.digits == "1#" and call.ticket_type == "help"
    assert call.status == "recorded" and 4.0 <= call.recording_seconds <= 7.5
    assert abs(read_wav(_recording(worker, call)).astype(float)).mean() > 100


def test_blocked_caller_hears_the_notice_and_is_hung_up(worker, context, tmp_path):
    _place(worker, tmp_path, BLOCKED_CALLER, [("wait_bye", 20000)])
    call = _call(context, BLOCKED_CALLER)
    assert call.caller == BLOCKED_CALLER and call.ivr_path[0] == "blocked" and "main" not in call.ivr_path
    assert call.recording_path is None and call.status == "logged" and call.outcome != "hangup"


def test_ping_command_is_the_health_check(worker):
    """`hotline telephony ping` (the container health check) sees a live worker and fails on a dead port."""
    import sys

    hotline = [sys.executable, "-m", "wiring.cli", "telephony", "ping", "--host", "127.0.0.1"]
    alive = subprocess.run([*hotline, "--port", str(worker.port)], capture_output=True, text=True, timeout=30)
    assert alive.returncode == 0 and "answered 200" in alive.stdout, alive.stdout + alive.stderr
    dead = subprocess.run([*hotline, "--port", str(free_port()), "--timeout", "0.5"],
                          capture_output=True, text=True, timeout=30)
    assert dead.returncode == 1 and "no answer" in dead.stdout
