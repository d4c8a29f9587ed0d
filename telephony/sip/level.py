"""Silence detection without entering Python on the mixer thread: read what the recorder wrote.

pjsua2's AudioMediaRecorder writes 8 kHz mono 16-bit PCM after a 44-byte WAV header (the header is
completed when the recorder closes). `WavTail.levels()` reads the bytes added since the last call and
returns the RMS of every whole 20 ms frame; the worker's pjsua2 thread calls it a few times a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEADER_BYTES = 44


class WavTail:
    def __init__(self, path: Path, *, rate: int = 8000, frame_ms: int = 20) -> None:
        self.path = path
        self.frame_bytes = rate * frame_ms // 1000 * 2
        self.offset = HEADER_BYTES

    def levels(self) -> list[float]:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        usable = len(data) - len(data) % self.frame_bytes
        if usable <= 0:
            return []
        self.offset += usable
        samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.float64)
        frames = samples.reshape(-1, self.frame_bytes // 2)
        return [float(x) for x in np.sqrt((frames * frames).mean(axis=1))]
