"""Offline Mandarin fallback: Whisper base through faster-whisper (CTranslate2, int8 on CPU).

Decoding is bounded: Silero VAD keeps only speech, no conditioning on previous text, one temperature
fallback, a token cap per 30 s window, a CPU-time budget of `max_rtf` × audio length × threads (partial text,
complete=False), and a guard against the phrases Whisper invents on silence."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from asr.audio import read_pcm16
from asr.chunking import Chunk, plan_chunks, seam_overlap
from asr.port import Bias, Segment, Transcript
from asr.text import normalise_zh
from hotline.errors import AsrFailed, AsrUnavailable

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
INITIAL_PROMPT = "以下是普通话的句子。"
# A 30 s window of fast Mandarin is ~180 characters; more tokens than this means a decoding loop.
MAX_NEW_TOKENS = 250
# Texts Whisper produces from silence or music (subtitle credits, the prompt echoed back).
HALLUCINATIONS = (
    "以下是普通话的句子", "字幕由", "字幕提供", "請不吝點贊", "请不吝点赞", "订阅", "訂閱", "谢谢观看", "感谢观看",
    "明镜与点点栏目", "优优独播剧场",
)
_PUNCT = re.compile(r"[\s、，。！？,.!?;；:：]+")
_REPEAT = re.compile(r"(.{1,8}?)\1{3,}")
TAIL_SECONDS = 1.5  # a piece's end left undecoded longer than this is decoded again on its own
_PEAK_SILENCE = 64  # int16 peak below this is digital silence: skip the model entirely
_lock = threading.Lock()


class WhisperRecognizer:
    name = "whisper"

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 2,
        max_rtf: float = 2.0,
        max_audio_seconds: float = 600.0,
        beam_size: int = 5,
        vad_min_silence_ms: int = 500,
        grace_seconds: float = 1.0,
        chunk_seconds: float = 20.0,
        overlap_seconds: float = 2.0,
    ) -> None:
        self.model_path = Path(model_path)
        self.chunk_seconds = chunk_seconds  # long calls are decoded in pieces of at most this (asr/chunking.py)
        self.overlap_seconds = overlap_seconds
        self.threads = threads
        self.max_rtf = max_rtf
        self.max_audio_seconds = max_audio_seconds
        self.beam_size = beam_size
        self.vad_min_silence_ms = vad_min_silence_ms
        self.grace_seconds = grace_seconds  # fixed allowance on top of max_rtf x audio (short clips)

    def load(self):
        """Load the model now (it is cached per process); raises AsrUnavailable when not installed."""
        return load_model(str(self.model_path.resolve()), self.threads)

    def open_stream(self, sample_rate: int, bias: Bias | None = None):
        """A stream for live audio (asr.streaming.WhisperStream: short windows, committed at pauses)."""
        from asr.streaming import WhisperStream

        self.load()
        return WhisperStream(self, sample_rate, bias)

    def decode_samples(self, samples: np.ndarray, rate: int, bias: Bias | None = None, *,
                       beam_size: int | None = None) -> str:
        """Text of a short stretch of int16 audio (no VAD, one window): what a stream decodes."""
        bias = bias or Bias()
        model = self.load()
        try:
            pieces, _info = model.transcribe(
                _to_16k(samples, rate), language="zh", task="transcribe",
                initial_prompt=INITIAL_PROMPT + (bias.prompt or ""), hotwords=bias.hotwords or None,
                beam_size=beam_size or self.beam_size, temperature=0.0, condition_on_previous_text=False,
                max_new_tokens=MAX_NEW_TOKENS, without_timestamps=True, vad_filter=False)
            return "".join(seg.text for seg in (_clean(p, bias) for p in pieces) if seg is not None)
        except (RuntimeError, ValueError) as exc:
            raise AsrFailed(f"whisper failed on streamed audio: {exc}", retryable=True) from exc

    def transcribe(self, wav_path: Path, bias: Bias | None = None) -> Transcript:
        bias = bias or Bias()
        samples, _, seconds, truncated = read_pcm16(Path(wav_path), SAMPLE_RATE, self.max_audio_seconds)
        model = self.load()
        if samples.size == 0 or int(np.abs(samples).max()) < _PEAK_SILENCE:
            return Transcript("", (), self.name, seconds, complete=not truncated)
        # CPU time of this process (all its threads), not wall time: a busy machine slows decoding down but
        # does not make it loop; a loop burns CPU and is stopped.
        started = time.process_time()
        budget = (self.max_rtf * min(seconds, self.max_audio_seconds) + self.grace_seconds) * self.threads
        segments: list[Segment] = []
        complete = not truncated
        chunks = plan_chunks(samples, SAMPLE_RATE, max_seconds=self.chunk_seconds,
                             overlap_seconds=self.overlap_seconds)
        while chunks:
            chunk = chunks.pop(0)
            piece_segments, in_budget = self._decode_chunk(model, samples[chunk.start:chunk.end], chunk.start,
                                                           bias, started, budget)
            rest = _undecoded_tail(piece_segments, chunk, samples)
            if rest is not None and in_budget:
                chunks.insert(0, rest)  # Whisper stopped early in the piece: decode what it left out
            if chunk.overlap and segments:
                piece_segments = _drop_repeat(piece_segments, seam_overlap(
                    "".join(s.text for s in segments), "".join(s.text for s in piece_segments)))
            segments += piece_segments
            if not in_budget:
                log.warning("whisper: decoding budget %.1f CPU-s exceeded on %s; keeping partial text", budget,
                            wav_path)
                complete = False
                break
        text = "".join(s.text for s in segments)
        return Transcript(text, tuple(segments), self.name, seconds, complete)

    def _decode_chunk(self, model, samples: np.ndarray, offset: int, bias: Bias, started: float,
                      budget: float) -> tuple[list[Segment], bool]:
        """Segments of one piece (times from the start of the recording); False when over budget."""
        if samples.size == 0 or int(np.abs(samples).max()) < _PEAK_SILENCE:
            return [], True
        shift = offset / SAMPLE_RATE
        out: list[Segment] = []
        try:
            pieces, _info = model.transcribe(
                samples.astype(np.float32) / 32768.0,
                language="zh",
                task="transcribe",
                initial_prompt=INITIAL_PROMPT + (bias.prompt or ""),
                hotwords=bias.hotwords or None,
                beam_size=self.beam_size,
                temperature=(0.0, 0.4),
                condition_on_previous_text=False,
                compression_ratio_threshold=2.4,
                log_prob_threshold=-1.0,
                no_speech_threshold=0.6,
                max_new_tokens=MAX_NEW_TOKENS,
                vad_filter=True,
                vad_parameters={"min_silence_duration_ms": self.vad_min_silence_ms},
            )
            for piece in pieces:
                segment = _clean(piece, bias)
                if segment is not None:
                    out.append(replace(segment, start=round(segment.start + shift, 2),
                                       end=round(segment.end + shift, 2)))
                if time.process_time() - started > budget:
                    return out, False
        except (RuntimeError, ValueError) as exc:  # CTranslate2 / onnxruntime failures
            raise AsrFailed(f"whisper failed: {exc}", retryable=True) from exc
        return out, True


def _undecoded_tail(segments: list[Segment], chunk: Chunk, samples: np.ndarray) -> Chunk | None:
    """The end of a piece Whisper skipped (it sometimes ends its output seconds before the audio does), when
    that stretch is long enough and not silent; None otherwise."""
    if not segments:
        return None
    tail = int(segments[-1].end * SAMPLE_RATE)
    if tail < chunk.start + SAMPLE_RATE // 2:
        return None  # no progress: never decode the same stretch twice
    if chunk.end - tail < TAIL_SECONDS * SAMPLE_RATE or int(np.abs(samples[tail:chunk.end]).max()) < _PEAK_SILENCE:
        return None
    return Chunk(tail, chunk.end, 0)


def _drop_repeat(segments: list[Segment], chars: int) -> list[Segment]:
    """`segments` without their first `chars` characters (the words an overlap heard twice)."""
    out = []
    for segment in segments:
        if chars >= len(segment.text):
            chars -= len(segment.text)
            continue
        out.append(replace(segment, text=segment.text[chars:]) if chars else segment)
        chars = 0
    return out


def _to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    audio = samples.astype(np.float32) / 32768.0
    if rate == SAMPLE_RATE or audio.size == 0:
        return audio
    positions = np.arange(0, audio.size, rate / SAMPLE_RATE, dtype=np.float64)
    return np.interp(positions, np.arange(audio.size), audio).astype(np.float32)


def _clean(piece, bias: Bias) -> Segment | None:
    text = normalise_zh(piece.text)
    text = _REPEAT.sub(r"\1", text)
    if not text or any(h in text for h in HALLUCINATIONS) and len(text) < 30:
        return None
    if _echoes_hints(text, bias):
        return None
    if piece.no_speech_prob > 0.8 and piece.avg_logprob < -0.7:
        return None
    confidence = min(1.0, max(0.0, math.exp(piece.avg_logprob)))
    return Segment(round(piece.start, 2), round(piece.end, 2), text, round(confidence, 3))


def _echoes_hints(text: str, bias: Bias) -> bool:
    """A segment repeating three or more hint words in their listed order is the prompt echoed back
    (Whisper does this on noise), not speech. A caller saying one or two of the words is kept."""
    bare = _PUNCT.sub("", text)
    for hints in (bias.prompt, bias.hotwords):
        words = [w for w in _PUNCT.split(hints or "") if w]
        if any("".join(words[i:i + 3]) in bare for i in range(len(words) - 2)):
            return True
    return False


def model_installed(path: Path) -> bool:
    return all((Path(path) / name).is_file() for name in ("model.bin", "config.json", "tokenizer.json"))


@lru_cache(maxsize=2)
def load_model(path: str, threads: int):
    if not model_installed(Path(path)):
        raise AsrUnavailable(
            f"Whisper model not installed at {path}: run `hotline asr install whisper-base` "
            "(or set HOTLINE_WHISPER_MODEL_PATH to a faster-whisper model directory)"
        )
    with _lock:
        from faster_whisper import WhisperModel

        log.info("loading Whisper model from %s (%d threads)", path, threads)
        try:
            return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
        except (RuntimeError, ValueError, OSError) as exc:
            raise AsrUnavailable(f"cannot load Whisper model at {path}: {exc}; reinstall it with "
                                 "`hotline asr install whisper-base`") from exc
