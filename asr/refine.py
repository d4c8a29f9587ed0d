"""After decoding: numbers to digits and near-homophones of the hotline vocabulary repaired, segment by
segment (timestamps stay true); the engine's own text is kept as `raw_text` whenever anything changed."""

from __future__ import annotations

from dataclasses import replace

from asr.correct import Corrector
from asr.numbers import normalise_numbers
from asr.port import Segment, Transcript


def refine(transcript: Transcript, corrector: Corrector | None) -> Transcript:
    if transcript.empty:
        return transcript
    segments: list[Segment] = []
    corrections: list[dict] = []
    offset = 0
    pieces = transcript.segments or (Segment(0.0, transcript.audio_seconds, transcript.text, None),)
    for segment in pieces:
        text = normalise_numbers(segment.text)
        if corrector is not None:
            text, made = corrector.correct(text)
            corrections += [{**c.to_dict(), "segment": len(segments), "at": offset + c.start} for c in made]
        segments.append(replace(segment, text=text))
        offset += len(text)
    text = "".join(s.text for s in segments)
    if text == transcript.text:
        return transcript
    return replace(transcript, text=text, segments=tuple(segments) if transcript.segments else (),
                   raw_text=transcript.raw_text or transcript.text, corrections=tuple(corrections))
