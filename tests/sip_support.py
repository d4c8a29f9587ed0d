"""Real SIP peers for the telephony tests: worker processes, SIPp scenarios with per-call RTP pcaps.

A call's pcap holds one RTP stream (one SSRC, continuous 20 ms μ-law frames) mixing the caller's audio and
RFC 2833 key presses, because SIPp plays every stream from one port and PJSIP latches per call.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SIPP = shutil.which("sipp")
BARESIP = shutil.which("baresip")
FRAME = 160  # samples per 20 ms at 8 kHz
DTMF_CODES = {**{str(i): i for i in range(10)}, "*": 10, "#": 11}


_HANDED_OUT: set[int] = set()   # ports free_port gave to someone in this test process: never given twice
_PORT_LOCK = threading.Lock()


def free_port(count: int = 1) -> int:
    """A port p such that p..p+count-1 are free for UDP and TCP on 127.0.0.1 right now and were not handed
    out before in this process (threads starting SIPp at once must not be given overlapping ranges)."""
    with _PORT_LOCK:
        base = _free_range(count)
        _HANDED_OUT.update(range(base, base + count))
    return base


def _free_range(count: int) -> int:
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count >= 65000 or _HANDED_OUT.intersection(range(base, base + count)):
            continue
        try:
            for port in range(base, base + count):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, kind) as probe:
                        probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# --- audio ------------------------------------------------------------------------------------------------


def write_wav(path: Path, samples: np.ndarray, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, amplitude: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * 8000)) / 8000.0
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def make_prompts(prompts_dir: Path, keys, seconds: float = 0.3) -> None:
    """A short distinct tone per prompt key (stands in for rendered speech; tests need audio, not words)."""
    for i, key in enumerate(sorted(keys)):
        write_wav(prompts_dir / f"{key}.wav", tone(seconds, 300 + 20 * (i % 40)))


def speech(path: Path, text: str) -> Path:
    """Mandarin speech from espeak-ng, resampled to the phone band (8 kHz mono 16-bit)."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(raw), text], check=True, timeout=60,
                   capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(path)], check=True, timeout=60)
    raw.unlink()
    return path


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def _ulaw(samples: np.ndarray) -> bytes:
    x = samples.astype(np.int32)
    sign = (x < 0).astype(np.int32) << 7
    x = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.floor(np.log2(x)).astype(np.int32) - 7
    mantissa = (x >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


# --- pcap ----------------------------------------------------------------------------------------------------


def call_pcap(path: Path, *, seconds: float, audio: list[tuple[float, np.ndarray]] = (),
              keys: list[tuple[float, str]] = (), event_pt: int = 101) -> Path:
    """One RTP stream of `seconds`: silence, the given audio clips at their start times, RFC 2833 keys."""
    frames = int(seconds * 50)
    pcm = np.zeros(frames * FRAME, dtype=np.int16)
    for start, clip in audio:
        i = int(start * 8000)
        clip = clip[: max(0, len(pcm) - i)]
        pcm[i:i + len(clip)] = clip
    events: dict[int, tuple[str, int]] = {}
    for start, key in keys:
        first = int(start * 50)
        for n in range(8):   # 5 progress packets (100 ms), 3 end packets
            events[first + n] = (key, n)
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    seq, ssrc = 1000, 0x12345678
    for n in range(frames):
        ts = n * FRAME
        if n in events:
            key, k = events[n]
            first = n - k
            end = k >= 5
            duration = FRAME * min(k + 1, 5)
            payload = struct.pack("!BBH", DTMF_CODES[key], (0x80 if end else 0) | 10, duration)
            header = struct.pack("!BBHII", 0x80, (0x80 if k == 0 else 0) | event_pt, seq, first * FRAME, ssrc)
        else:
            payload = _ulaw(pcm[n * FRAME:(n + 1) * FRAME])
            header = struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc)
        seq = (seq + 1) & 0xFFFF
        out += _packet(n * 0.02, header + payload)
    path.write_bytes(bytes(out))
    return path


def _packet(t: float, rtp: bytes) -> bytes:
    udp = struct.pack("!HHHH", 4000, 6000, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1")) + udp
    frame = b"\x00" * 12 + b"\x08\x00" + ip
    sec = int(t)
    return struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame)) + frame


# --- SIPp scenarios --------------------------------------------------------------------------------------------

_INVITE = """INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""

_IN_DIALOG = """{method} [next_url] SIP/2.0
[routes]
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} {method}
Contact: <sip:{caller}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
{extra}Content-Length: [len]

{body}"""


def _send(text: str, retrans: bool = True) -> str:
    attr = ' retrans="500"' if retrans else ""
    return f"<send{attr}><![CDATA[\n{text.strip(chr(10))}\n\n]]></send>\n"


def scenario(path: Path, *, caller: str, steps: list[tuple], answer: bool = True) -> Path:
    """A UAC scenario: INVITE, then after the 200/ACK the steps in order:
    ("pcap", file) start the caller's RTP; ("pause", ms); ("info", key) SIP INFO DTMF; ("bye",) hang up;
    ("wait_bye", ms) wait for the service to hang up and answer 200; ("hold",) / ("resume",) re-INVITE.
    With answer=False the caller CANCELs while it rings and expects 487."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="hotline test call">\n',
           _send(_INVITE.format(caller=caller)),
           '<recv response="100" optional="true"/>\n']
    if not answer:
        xml += ['<recv response="180"/>\n',
                _send(_IN_DIALOG.format(method="CANCEL", caller=caller, cseq=1, extra="", body="")
                      .replace("[next_url]", "sip:[service]@[remote_ip]:[remote_port]").replace("[routes]\n", "")
                      .replace("[last_To:]", "To: <sip:[service]@[remote_ip]:[remote_port]>")
                      .replace("branch=[branch]", "branch=z9hG4bK-[pid]-[call_number]-inv")),
                '<recv response="200"/>\n<recv response="487"/>\n',
                _send(_ack(caller, branch="z9hG4bK-[pid]-[call_number]-inv", cancel=True), retrans=False),
                "</scenario>\n"]
        path.write_text("".join(xml).replace("[branch]", "z9hG4bK-[pid]-[call_number]-inv", 1))
        return path
    xml += ['<recv response="180" optional="true"/>\n', '<recv response="200" rrs="true" rtd="true"/>\n',
            _send(_ack(caller), retrans=False)]
    cseq = 2
    for step in steps:
        kind = step[0]
        if kind == "pcap":
            xml.append(f'<nop><action><exec play_pcap_audio="{step[1]}"/></action></nop>\n')
        elif kind == "pause":
            xml.append(f'<pause milliseconds="{int(step[1])}"/>\n')
        elif kind == "info":
            body = f"Signal={step[1]}\nDuration=160\n"
            xml.append(_send(_IN_DIALOG.format(method="INFO", caller=caller, cseq=cseq, body=body,
                                               extra="Content-Type: application/dtmf-relay\n")))
            xml.append('<recv response="200"/>\n')
            cseq += 1
        elif kind in ("hold", "resume"):
            sdp = _INVITE.split("\n\n", 1)[1]
            if kind == "hold":
                sdp += "a=sendonly\n"
            xml.append(_send(_IN_DIALOG.format(method="INVITE", caller=caller, cseq=cseq, body=sdp,
                                               extra="Content-Type: application/sdp\n")))
            xml.append('<recv response="100" optional="true"/>\n<recv response="200"/>\n')
            xml.append(_send(_ack(caller, cseq=cseq), retrans=False))
            cseq += 1
        elif kind == "bye":
            xml.append(_send(_IN_DIALOG.format(method="BYE", caller=caller, cseq=cseq, extra="", body="")))
            xml.append('<recv response="200"/>\n')
            cseq += 1
        elif kind == "wait_bye":
            xml.append(f'<recv request="BYE" timeout="{int(step[1])}"/>\n')
            xml.append(_send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n"
                             "[last_CSeq:]\nContent-Length: 0\n", retrans=False))
        else:
            raise ValueError(kind)
    xml.append("</scenario>\n")
    path.write_text("".join(xml))
    return path


def _ack(caller: str, *, cseq: int = 1, branch: str = "[branch]", cancel: bool = False) -> str:
    if cancel:
        return (f"ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0\nVia: SIP/2.0/[transport] "
                f"[local_ip]:[local_port];branch={branch}\n"
                f'From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]\n[last_To:]\n'
                f"Call-ID: [call_id]\nCSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0\n")
    return (f"ACK [next_url] SIP/2.0\n[routes]\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}\n"
            f'From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]\n[last_To:]\n'
            f"Call-ID: [call_id]\nCSeq: {cseq} ACK\nContact: <sip:{caller}@[local_ip]:[local_port];"
            f"transport=[transport]>\nMax-Forwards: 70\nContent-Length: 0\n")


def run_sipp(scenario_path: Path, target: str, *, workdir: Path, transport: str = "u1", calls: int = 1,
             timeout: float = 60.0, extra: list[str] = ()) -> subprocess.CompletedProcess:
    """Run SIPp as a UAC against `target` (host:port); returns the finished process (bounded)."""
    port, media = free_port(), free_port(4)   # SIPp takes media..media+3 (audio and video RTP/RTCP)
    cmd = [SIPP, target, "-sf", str(scenario_path), "-m", str(calls), "-l", str(calls), "-r", str(calls),
           "-t", transport, "-i", "127.0.0.1", "-p", str(port), "-mp", str(media), "-s", "12345",
           "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error", "-trace_err",
           "-error_file", str(workdir / f"sipp-{port}.err"), *extra]
    return subprocess.run(cmd, check=False, cwd=workdir, capture_output=True, text=True, timeout=timeout + 15)


def baresip_call(workdir: Path, target: str, *, caller: str, wav: Path, keys: list[tuple[float, str]],
                 seconds: float) -> str:
    """Dial `target` with baresip, its microphone fed from `wav` (aufile); press `keys` (delay after the
    previous one, RFC 2833) through its UDP console; quit after `seconds`. Returns baresip's output."""
    conf = workdir / "baresip"
    conf.mkdir(parents=True, exist_ok=True)
    sip, console, rtp = free_port(), free_port(), free_port(100)
    (conf / "config").write_text(
        f"poll_method epoll\nsip_listen 127.0.0.1:{sip}\naudio_player aubridge,nil\naudio_alert aubridge,nil\n"
        f"audio_source aufile,{wav}\naudio_srate 8000\naudio_channels 1\nrtp_ports {rtp}-{rtp + 99}\n"
        "module_path /usr/lib/baresip/modules\nmodule stdio.so\nmodule cons.so\nmodule g711.so\n"
        "module aufile.so\nmodule aubridge.so\nmodule_app account.so\nmodule_app menu.so\n"
        f"cons_listen 127.0.0.1:{console}\n")
    (conf / "accounts").write_text(f"<sip:{caller}@127.0.0.1>;regint=0\n")
    (conf / "contacts").write_text("")
    out = workdir / "baresip.log"
    with out.open("wb") as log:
        proc = subprocess.Popen([BARESIP, "-f", str(conf), "-e", f"/dial sip:12345@{target}", "-t", str(int(seconds))],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: "Call established" in out.read_text(errors="replace"), 10)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for delay, key in keys:
                time.sleep(delay)
                udp.sendto(key.encode(), ("127.0.0.1", console))
        proc.wait(timeout=seconds + 10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(5)
    return out.read_text(errors="replace")


_UAS_SDP = """v=0
o=callee 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""
_REPLY = "SIP/2.0 {code}\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]uas[call_number]\n[last_Call-ID:]\n[last_CSeq:]\n"


def uas_scenario(path: Path, *, mode: str, digit: str = "5", delay_ms: int = 1500) -> Path:
    """A called party for outbound tests. mode "answer": 200, then after `delay_ms` a SIP INFO key, then the
    caller's BYE; "busy": 486; "ring": 180 until the caller CANCELs (200 + 487)."""
    capture = ('<action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>'
               '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/></action>')
    xml = [('<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="hotline called party">\n'
            f'<recv request="INVITE" rrs="true">{capture if mode == "answer" else ""}</recv>\n')]
    if mode == "busy":
        xml += [_send(_REPLY.format(code="486 Busy Here") + "Content-Length: 0\n", retrans=False),
                '<recv request="ACK"/>\n']
    elif mode == "ring":
        xml += [_send(_REPLY.format(code="180 Ringing") + "Content-Length: 0\n", retrans=False),
                '<recv request="CANCEL"/>\n',
                _send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
                      "Content-Length: 0\n", retrans=False),
                _send("SIP/2.0 487 Request Terminated\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]uas[call_number]\n"
                      "[last_Call-ID:]\nCSeq: [cseq] INVITE\nContent-Length: 0\n", retrans=False),
                '<recv request="ACK"/>\n']
    else:
        xml += [_send(_REPLY.format(code="200 OK") + "Contact: <sip:callee@[local_ip]:[local_port]>\n"
                      "Content-Type: application/sdp\nContent-Length: [len]\n\n" + _UAS_SDP, retrans=False),
                '<recv request="ACK"/>\n', f'<pause milliseconds="{delay_ms}"/>\n',
                _send("INFO [next_url] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
                      "From: [$callee];tag=[pid]uas[call_number]\nTo: [$caller]\n[last_Call-ID:]\nCSeq: 1 INFO\nMax-Forwards: 70\n"
                      "Contact: <sip:callee@[local_ip]:[local_port]>\nContent-Type: application/dtmf-relay\n"
                      f"Content-Length: [len]\n\nSignal={digit}\nDuration=160\n"),
                '<recv response="200"/>\n<recv request="BYE"/>\n',
                _send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
                      "Content-Length: 0\n", retrans=False)]
    xml.append("</scenario>\n")
    path.write_text("".join(xml))
    return path


BLOCKED_CALLER = "13000000000"


def block_list_screen(ctx):
    """A CallerScreen factory for HOTLINE_TELEPHONY_CALLER_SCREEN in tests: blocks BLOCKED_CALLER."""
    from telephony.port import Screening

    class BlockList:
        def screen(self, caller):
            return Screening(blocked=caller == BLOCKED_CALLER, reason="test block list")
    return BlockList()


# --- processes -------------------------------------------------------------------------------------------------


def hotline_env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    data = Path(settings.data_dir).resolve()
    env.update({"HOTLINE_DATA_DIR": str(data), "HOTLINE_DATABASE_URL": settings.resolved_database_url,
                "HOTLINE_BROKER_URL": f"hotline-sqlite:///{data / 'broker.db'}", "HOTLINE_LOG_LEVEL": "INFO",
                "PYTHONPATH": str(REPO)})
    env.update(extra)
    return env


def start_process(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "wiring.cli", *argv], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)
        except ProcessLookupError:
            pass


def wait_ready(log_path: Path, needle: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    ok = wait_for(lambda: proc.poll() is not None or (log_path.exists() and needle in log_path.read_text(
        errors="replace")), timeout)
    if proc.poll() is not None or not ok:
        raise AssertionError(f"process not ready ({needle}):\n" + log_path.read_text(errors="replace")[-3000:])
