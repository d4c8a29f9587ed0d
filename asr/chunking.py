"""Long calls in pieces the model decodes whole: cut at pauses where there are any, else hard cuts with an
overlap whose repeated words are removed by aligning the texts on both sides of the seam.

Pure functions on int16 samples and strings (no model), so seams are tested without one."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np


@dataclass(frozen=True)
class Chunk:
    start: int  # sample offsets in the recording
    end: int
    overlap: int  # samples at its start also heard at the end of the previous chunk (0 after a pause)


def plan_chunks(samples: np.ndarray, rate: int, *, max_seconds: float = 20.0, overlap_seconds: float = 2.0,
                pause_seconds: float = 0.2) -> list[Chunk]:
    """Pieces of at most `max_seconds`: each cut is at the quietest `pause_seconds` in the last half of the
    piece when that is a pause (energy well under the speech level); otherwise the cut is hard and the next
    piece starts `overlap_seconds` earlier."""
    total = len(samples)
    limit = int(max_seconds * rate)
    if total <= limit:
        return [Chunk(0, total, 0)]
    frame = max(1, int(0.02 * rate))
    energy = _frame_rms(samples, frame)
    speech_level = float(np.percentile(energy, 90)) if energy.size else 0.0
    quiet = max(100.0, 0.12 * speech_level)
    width = max(1, int(pause_seconds * rate / frame))
    smooth = np.convolve(energy, np.ones(width) / width, mode="same") if energy.size >= width else energy
    overlap = int(overlap_seconds * rate)
    chunks: list[Chunk] = []
    start, carried = 0, 0
    while total - start > limit:
        lo, hi = (start + limit // 2) // frame, (start + limit) // frame
        window = smooth[lo:hi]
        best = lo + int(np.argmin(window)) if window.size else hi
        if window.size and smooth[best] < quiet:
            cut = best * frame + frame // 2
            chunks.append(Chunk(start, cut, carried))
            start, carried = cut, 0
        else:
            cut = start + limit
            chunks.append(Chunk(start, cut, carried))
            start, carried = cut - overlap, overlap
    chunks.append(Chunk(start, total, carried))
    return chunks


def _frame_rms(samples: np.ndarray, frame: int) -> np.ndarray:
    usable = len(samples) - len(samples) % frame
    if usable <= 0:
        return np.zeros(0)
    frames = samples[:usable].astype(np.float64).reshape(-1, frame)
    return np.sqrt((frames ** 2).mean(axis=1))


def seam_overlap(previous: str, following: str, *, window: int = 16, min_match: int = 2) -> int:
    """How many leading characters of `following` repeat the end of `previous` (heard twice in an overlap):
    the longest common stretch between the last `window` characters of one and the first `window` of the
    other; everything of `following` up to the end of that stretch is the repeat."""
    tail, head = previous[-window:], following[:window]
    if not tail or not head:
        return 0
    match = SequenceMatcher(None, tail, head, autojunk=False).find_longest_match(0, len(tail), 0, len(head))
    if match.size < min_match:
        return 0
    # The stretch must reach (near) the end of the previous text, else it is a coincidence mid-sentence.
    if len(tail) - (match.a + match.size) > 3:
        return 0
    return match.b + match.size
