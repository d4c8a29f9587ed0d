"""Reading recordings: WAV only (PCM, μ-law or A-law), decoded to 16-bit mono at a chosen rate.

Decoding goes through PyAV (a faster-whisper dependency); anything that is not a readable WAV file
raises AsrFailed(retryable=False) so callers do not retry a file that can never work."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hotline.errors import AsrFailed


def check_wav(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except FileNotFoundError:
        raise AsrFailed(f"recording not found: {path}", retryable=False) from None
    except OSError as exc:
        raise AsrFailed(f"cannot read recording {path}: {exc}", retryable=True) from exc
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AsrFailed(f"not a WAV file (no RIFF/WAVE header): {path}", retryable=False)


def read_pcm16(
    path: Path, rate: int | None, max_seconds: float | None = None
) -> tuple[np.ndarray, int, float, bool]:
    """Decode `path` to mono int16 samples at `rate` (None: the file's own rate).
    Returns (samples, rate, full_duration_s, truncated)."""
    import av

    check_wav(path)
    chunks: list[np.ndarray] = []
    kept = 0
    total = 0
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AsrFailed(f"WAV file without audio stream: {path}", retryable=False)
            rate = rate or container.streams.audio[0].rate or 8000
            limit = int(max_seconds * rate) if max_seconds else None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    total += _append(chunks, out, limit, kept)
                    kept = sum(len(c) for c in chunks)
            for out in resampler.resample(None):
                total += _append(chunks, out, limit, kept)
                kept = sum(len(c) for c in chunks)
    except AsrFailed:
        raise
    except (av.error.FFmpegError, ValueError, EOFError) as exc:
        raise AsrFailed(f"corrupt or unsupported WAV file {path}: {exc}", retryable=False) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return samples, rate, total / float(rate), limit is not None and total > limit


def _append(chunks: list[np.ndarray], frame, limit: int | None, kept: int) -> int:
    data = frame.to_ndarray().reshape(-1).astype(np.int16, copy=False)
    if limit is not None and kept + len(data) > limit:
        keep = max(0, limit - kept)
        if keep:
            chunks.append(data[:keep].copy())
    else:
        chunks.append(data.copy())
    return len(data)
