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

    @property
    def empty(self) -> bool:
        return not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["segments"] = [asdict(s) for s in self.segments]
        return data


@runtime_checkable
class Recognizer(Protocol):
    name: str

    def transcribe(self, wav_path: Path) -> Transcript:
        """Transcribe a WAV file. Silence gives an empty, complete transcript; unreadable input raises
        AsrFailed(retryable=False); a missing model raises AsrUnavailable."""
        ...
