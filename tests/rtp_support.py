"""RTP pcaps for SIPp: one stream of 20 ms μ-law frames mixing the caller's audio and RFC 2833 key presses.

One SSRC for audio and keys, because SIPp plays every stream from one port and PJSIP latches per call."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import numpy as np

FRAME = 160  # samples per 20 ms at 8 kHz
DTMF_CODES = {**{str(i): i for i in range(10)}, "*": 10, "#": 11}


def _ulaw(samples: np.ndarray) -> bytes:
    x = samples.astype(np.int32)
    sign = (x < 0).astype(np.int32) << 7
    x = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.floor(np.log2(x)).astype(np.int32) - 7
    mantissa = (x >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


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
