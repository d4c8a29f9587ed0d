"""Test audio: 8 kHz mono WAV files, tones, prompt stand-ins and espeak-ng speech."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np


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
