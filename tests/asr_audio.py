"""Audio for the ASR tests: the one real human Mandarin clip shipped in the f5-tts wheel (fetched with
`pip download`, never installed), phone-band versions made with sox, silence and noise."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "test-audio"
REFERENCE_TEXT = "对，这就是我，万人敬仰的太乙真人。"
F5_SPEC = "f5-tts==1.1.22"
F5_MEMBER = "f5_tts/infer/examples/basic/basic_ref_zh.wav"


def reference_clip() -> Path:
    """The 24 kHz original, cached under var/test-audio."""
    target = CACHE / "basic_ref_zh.wav"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        wheels = CACHE / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--disable-pip-version-check", "-q", "-d", str(wheels), F5_SPEC], check=True)
        wheel = next(wheels.glob("f5_tts-1.1.22-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            target.write_bytes(zf.read(F5_MEMBER))
    return target


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def phone_clip(ulaw: bool = False) -> Path:
    """The reference clip at 8 kHz mono 16-bit (or G.711 μ-law)."""
    target = CACHE / ("ref_8k_ulaw.wav" if ulaw else "ref_8k.wav")
    if not target.exists():
        sox(str(reference_clip()), "-r", "8000", "-c", "1", *(["-e", "u-law"] if ulaw else ["-b", "16"]),
            str(target))
    return target


def silence(path: Path, seconds: float = 5.0) -> Path:
    sox("-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "trim", "0", str(seconds))
    return path


def noise(path: Path, seconds: float = 5.0, volume: float = 0.3) -> Path:
    sox("-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds), "whitenoise",
        "vol", str(volume))
    return path


def repeated(path: Path, times: int = 3) -> Path:
    """The phone clip `times` over with a second of silence between: a longer utterance."""
    gap = silence(path.with_name("gap.wav"), 1.0)
    clip = str(phone_clip())
    parts: list[str] = []
    for _ in range(times):
        parts += [clip, str(gap)]
    sox(*parts, str(path))
    return path
