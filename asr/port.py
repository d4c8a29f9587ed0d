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


@dataclass(frozen=True)
class Partial:
    """What a stream has heard so far: `text` = committed sentences + the current guess; `final` is True
    when the latest sentence is committed (it will not change any more)."""

    text: str
    final: bool
    seconds: float  # audio accepted so far


@runtime_checkable
class RecognitionStream(Protocol):
    def accept(self, pcm16: bytes) -> Partial | None:
        """Feed mono 16-bit little-endian PCM at the stream's rate; returns the new hypothesis, or None when
        nothing changed."""
        ...

    def finish(self) -> Transcript:
        """No more audio: the complete transcript of everything accepted."""
        ...


@runtime_checkable
class StreamingRecognizer(Protocol):
    """Engines that can transcribe audio as it arrives (live agents see partial text while the caller talks)."""

    name: str

    def open_stream(self, sample_rate: int, bias: Bias | None = None) -> RecognitionStream: ...
