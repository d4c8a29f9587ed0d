"""In-package fake recognizer for unit tests of code that depends on the port (never used in production)."""

from __future__ import annotations

from pathlib import Path

from asr.port import Bias, Partial, Segment, Transcript
from hotline.errors import AsrFailed


class FakeRecognizer:
    """Answers with the text registered for a file name (empty when none); `fail` raises a retryable AsrFailed.
    The audio length comes from the WAV header when the file is a readable WAV, else 0."""

    name = "fake"

    def __init__(self, text_by_name: dict[str, str] | None = None, fail: bool = False) -> None:
        self.text_by_name = dict(text_by_name or {})
        self.fail = fail
        self.calls: list[Path] = []
        self.biases: list[Bias | None] = []

    def transcribe(self, wav_path: Path, bias: Bias | None = None) -> Transcript:
        wav_path = Path(wav_path)
        self.calls.append(wav_path)
        self.biases.append(bias)
        if self.fail:
            raise AsrFailed(f"fake recognizer told to fail on {wav_path.name}", retryable=True)
        seconds = _wav_seconds(wav_path)
        text = self.text_by_name.get(wav_path.name, "")
        segments = (Segment(0.0, seconds, text, 1.0),) if text else ()
        return Transcript(text=text, segments=segments, engine=self.name, audio_seconds=seconds, complete=True)


    def open_stream(self, sample_rate: int, bias: Bias | None = None) -> FakeStream:
        """A stream that 'hears' `stream_text` one character per `seconds_per_char` of audio accepted."""
        self.biases.append(bias)
        return FakeStream(self.text_by_name.get("stream", ""), sample_rate, fail=self.fail)


class FakeStream:
    def __init__(self, text: str, sample_rate: int, *, seconds_per_char: float = 0.25, fail: bool = False) -> None:
        self.text, self.rate, self.per_char, self.fail = text, sample_rate, seconds_per_char, fail
        self.samples = 0
        self.shown = 0

    def accept(self, pcm16: bytes) -> Partial | None:
        if self.fail:
            raise AsrFailed("fake stream told to fail", retryable=True)
        self.samples += len(pcm16) // 2
        heard = min(len(self.text), int(self.samples / self.rate / self.per_char))
        if heard == self.shown:
            return None
        self.shown = heard
        return Partial(self.text[:heard], heard == len(self.text), self.samples / self.rate)

    def finish(self) -> Transcript:
        seconds = self.samples / self.rate
        segments = (Segment(0.0, seconds, self.text, 1.0),) if self.text else ()
        return Transcript(self.text, segments, "fake", seconds, True)


def _wav_seconds(path: Path) -> float:
    import wave

    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (OSError, EOFError, wave.Error):
        return 0.0
