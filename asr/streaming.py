"""Streaming recognition (asr.port.StreamingRecognizer) for live agents: Vosk natively (its decoder is
incremental), Whisper by re-decoding the open sentence in short windows and committing it at a pause or
when it grows past a bound."""

from __future__ import annotations

import json

import numpy as np

from asr.port import Bias, Partial, Segment, Transcript
from asr.text import normalise_zh


class VoskStream:
    def __init__(self, model, sample_rate: int, phrases: tuple[str, ...] = ()) -> None:
        from vosk import KaldiRecognizer

        args = [json.dumps([*phrases, "[unk]"], ensure_ascii=False)] if phrases else []
        self.rate = sample_rate
        self.recognizer = KaldiRecognizer(model, float(sample_rate), *args)
        self.recognizer.SetWords(True)
        self.segments: list[Segment] = []
        self.samples = 0
        self.last = ""

    def accept(self, pcm16: bytes) -> Partial | None:
        self.samples += len(pcm16) // 2
        if self.recognizer.AcceptWaveform(pcm16):
            add_result(self.segments, self.recognizer.Result())
            return self._emit("", final=True)
        guess = normalise_zh(json.loads(self.recognizer.PartialResult()).get("partial", "").replace("[unk]", ""))
        return self._emit(guess, final=False)

    def _emit(self, guess: str, *, final: bool) -> Partial | None:
        text = "".join(s.text for s in self.segments) + guess
        if text == self.last and not final:
            return None
        self.last = text
        return Partial(text, final, self.samples / self.rate)

    def finish(self) -> Transcript:
        add_result(self.segments, self.recognizer.FinalResult())
        return Transcript("".join(s.text for s in self.segments), tuple(self.segments), "vosk",
                          self.samples / self.rate, True)


class WhisperStream:
    """Decodes the open sentence again every `step_seconds` of new audio (greedy, so it is cheap); a pause
    of `pause_seconds` (energy below `silence_peak`) or `max_sentence_seconds` of audio commits it."""

    def __init__(self, recognizer, sample_rate: int, bias: Bias | None = None, *, step_seconds: float = 1.0,
                 pause_seconds: float = 0.6, max_sentence_seconds: float = 12.0, silence_peak: int = 500) -> None:
        self.recognizer = recognizer
        self.rate = sample_rate
        self.bias = bias or Bias()
        self.step = int(step_seconds * sample_rate)
        self.pause = int(pause_seconds * sample_rate)
        self.max_sentence = int(max_sentence_seconds * sample_rate)
        self.silence_peak = silence_peak
        self.open = np.zeros(0, dtype=np.int16)  # audio of the sentence not committed yet
        self.open_start = 0  # its first sample, counted from the start of the stream
        self.pending = 0  # samples accepted since the last decode
        self.segments: list[Segment] = []
        self.guess = ""

    def accept(self, pcm16: bytes) -> Partial | None:
        chunk = np.frombuffer(pcm16, dtype="<i2").astype(np.int16)
        self.open = np.concatenate([self.open, chunk])
        self.pending += len(chunk)
        tail = self.open[-self.pause:]
        paused = len(self.open) > self.pause and int(np.abs(tail).max(initial=0)) < self.silence_peak
        if paused or len(self.open) >= self.max_sentence:
            return self._commit()
        if self.pending < self.step:
            return None
        self.pending = 0
        guess = self._decode(self.open)
        if guess == self.guess:
            return None
        self.guess = guess
        return Partial(self._committed() + guess, False, self._seconds())

    def _commit(self) -> Partial | None:
        text = self._decode(self.open) if int(np.abs(self.open).max(initial=0)) >= self.silence_peak else ""
        start = self.open_start / self.rate
        self.open_start += len(self.open)
        self.open, self.pending, self.guess = np.zeros(0, dtype=np.int16), 0, ""
        if not text:
            return None
        self.segments.append(Segment(round(start, 2), round(self.open_start / self.rate, 2), text, None))
        return Partial(self._committed(), True, self._seconds())

    def _decode(self, samples: np.ndarray) -> str:
        return self.recognizer.decode_samples(samples, self.rate, self.bias, beam_size=1)

    def _committed(self) -> str:
        return "".join(s.text for s in self.segments)

    def _seconds(self) -> float:
        return (self.open_start + len(self.open)) / self.rate

    def finish(self) -> Transcript:
        if len(self.open):
            self._commit()
        text = self._committed()
        return Transcript(text, tuple(self.segments), "whisper", self.open_start / self.rate, True)


def add_result(segments: list[Segment], raw: str) -> None:
    """Append the segment of one Vosk result (JSON with word timings) to `segments`, if it holds any text."""
    result = json.loads(raw)
    words = [w for w in result.get("result", []) if w.get("word") != "[unk]"]
    text = normalise_zh(" ".join(w["word"] for w in words) if words else result.get("text", "").replace("[unk]", ""))
    if not text:
        return
    confidence = round(sum(w.get("conf", 0.0) for w in words) / len(words), 3) if words else None
    start = round(words[0]["start"], 2) if words else 0.0
    end = round(words[-1]["end"], 2) if words else 0.0
    segments.append(Segment(start, end, text, confidence))
