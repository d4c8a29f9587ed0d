"""Vosk (Kaldi) engine: streaming recognition of the recording at its own rate (8 kHz phone audio is
accepted, the model resamples), optional phrase list restricting the vocabulary, bounded decoding."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from asr.audio import read_pcm16
from asr.port import Bias, Segment, Transcript
from asr.streaming import add_result
from asr.text import normalise_zh
from hotline.errors import AsrFailed, AsrUnavailable

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.2
_lock = threading.Lock()


class VoskRecognizer:
    name = "vosk"

    def __init__(
        self,
        model_path: Path,
        *,
        phrases: Sequence[str] = (),
        max_rtf: float = 2.0,
        max_audio_seconds: float = 600.0,
        grace_seconds: float = 1.0,
    ) -> None:
        self.model_path = Path(model_path)
        self.phrases = tuple(p.strip() for p in phrases if p.strip())
        self.max_rtf = max_rtf
        self.max_audio_seconds = max_audio_seconds
        self.grace_seconds = grace_seconds  # fixed allowance on top of max_rtf x audio (short clips)

    def load(self):
        return load_model(str(self.model_path.resolve()))

    def open_stream(self, sample_rate: int, bias: Bias | None = None):
        """A native Vosk stream (asr.streaming.VoskStream): partial text as audio arrives."""
        from asr.streaming import VoskStream

        return VoskStream(self.load(), sample_rate, self.phrases)

    def transcribe(self, wav_path: Path, bias: Bias | None = None) -> Transcript:
        """`bias` is not used: Vosk has no soft biasing (a phrase list restricts, see `phrases`)."""
        from vosk import KaldiRecognizer

        samples, rate, seconds, truncated = read_pcm16(Path(wav_path), None, self.max_audio_seconds)
        model = self.load()
        try:
            if self.phrases:
                recognizer = KaldiRecognizer(model, float(rate), json.dumps([*self.phrases, "[unk]"],
                                                                            ensure_ascii=False))
            else:
                recognizer = KaldiRecognizer(model, float(rate))
            recognizer.SetWords(True)
            segments: list[Segment] = []
            complete = not truncated
            budget = self.max_rtf * seconds + self.grace_seconds
            started = time.monotonic()
            step = max(1, int(rate * CHUNK_SECONDS))
            for offset in range(0, len(samples), step):
                if recognizer.AcceptWaveform(samples[offset:offset + step].tobytes()):
                    add_result(segments, recognizer.Result())
                if time.monotonic() - started > budget:
                    log.warning("vosk: decoding budget %.1fs exceeded on %s; keeping partial text", budget, wav_path)
                    complete = False
                    break
            add_result(segments, recognizer.FinalResult())
        except (RuntimeError, ValueError, OSError) as exc:
            raise AsrFailed(f"vosk failed on {wav_path}: {exc}", retryable=True) from exc
        text = "".join(s.text for s in segments) if _all_cjk(segments) else " ".join(s.text for s in segments)
        return Transcript(text, tuple(segments), self.name, seconds, complete)


def _all_cjk(segments: list[Segment]) -> bool:
    return all(normalise_zh(s.text) == s.text.replace(" ", "") for s in segments)


def model_installed(path: Path) -> bool:
    path = Path(path)
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


@lru_cache(maxsize=2)
def load_model(path: str):
    if not model_installed(Path(path)):
        raise AsrUnavailable(
            f"Vosk model not installed at {path}: run `hotline asr install vosk-small-cn` (needs internet) "
            "or set HOTLINE_VOSK_MODEL_PATH to an unpacked Vosk model"
        )
    with _lock:
        from vosk import Model, SetLogLevel

        SetLogLevel(-1)
        log.info("loading Vosk model from %s", path)
        try:
            return Model(path)
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise AsrUnavailable(f"cannot load Vosk model at {path}: {exc}") from exc
