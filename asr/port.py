"""The speech recognition port: what telephony flows call, whatever engine is behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the recording
    end: float
    text: str
    confidence: float | None  # 0..1 when the engine reports one


@dataclass(frozen=True)
class Transcript:
    text: str
    segments: tuple[Segment, ...]
    engine: str
    audio_seconds: float
    complete: bool  # False: decoding was bounded or aborted, the text is partial
    raw_text: str | None = None  # the engine's own text when post-correction changed it (asr/refine.py)
    corrections: tuple[dict, ...] = ()  # what post-correction changed: heard, term, cost, offsets

    @property
    def empty(self) -> bool:
        return not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["segments"] = [asdict(s) for s in self.segments]
        data["corrections"] = list(self.corrections)
        return data


@dataclass(frozen=True)
class Bias:
    """Vocabulary hints for one decoding: a prompt (text the model takes as preceding speech) and/or
    hotwords (words it should prefer). Engines use what they support and ignore the rest."""

    prompt: str | None = None
    hotwords: str | None = None


@runtime_checkable
class Recognizer(Protocol):
    name: str

    def transcribe(self, wav_path: Path, bias: Bias | None = None) -> Transcript:
        """Transcribe a WAV file. Silence gives an empty, complete transcript; unreadable input raises
        AsrFailed(retryable=False); a missing model raises AsrUnavailable."""
        ...
