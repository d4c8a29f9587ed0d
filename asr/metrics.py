"""Character error rate, the accuracy measure for Chinese transcripts (punctuation and spaces ignored; numbers
written in digits on both sides, so 十八路 and 18路 count as the same)."""

from __future__ import annotations

import unicodedata


def normalise_for_cer(text: str) -> str:
    from asr.numbers import normalise_numbers
    from asr.text import to_simplified

    text = normalise_numbers(to_simplified(unicodedata.normalize("NFKC", text))).lower()
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S", "C")))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Edits needed to turn the hypothesis into the reference, per reference character."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def lost_and_added(reference: str, hypothesis: str) -> tuple[int, int]:
    """Characters of `reference` missing from `hypothesis` and characters `hypothesis` has in excess, on a
    least-edit alignment (substitutions count as neither): what chunk seams lose or duplicate."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    # cells: (edits, lost, added)
    previous = [(j, 0, j) for j in range(len(hyp) + 1)]
    for i, ca in enumerate(ref, 1):
        current = [(i, i, 0)]
        for j, cb in enumerate(hyp, 1):
            sub = previous[j - 1]
            dele = previous[j]
            ins = current[j - 1]
            current.append(min((sub[0] + (ca != cb), sub[1], sub[2]), (dele[0] + 1, dele[1] + 1, dele[2]),
                               (ins[0] + 1, ins[1], ins[2] + 1)))
        previous = current
    return previous[-1][1], previous[-1][2]
