"""In-package fake recognizer for unit tests of code that depends on the port (never used in production)."""

from __future__ import annotations

from pathlib import Path

from asr.port import Bias, Segment, Transcript
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


def _wav_seconds(path: Path) -> float:
    import wave

    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (OSError, EOFError, wave.Error):
        return 0.0
