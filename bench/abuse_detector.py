"""Abuse detector on the labelled transcripts (tests/data/abuse_labelled.json): precision, recall, kind
accuracy, false positives on angry-but-legitimate complaints, and throughput.

    .venv/bin/python bench/abuse_detector.py [--data PATH] [--lexicon PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abuse.detector import detect
from abuse.lexicon import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "tests" / "data" / "abuse_labelled.json"))
    parser.add_argument("--lexicon", default=None)
    args = parser.parse_args()
    items = json.loads(Path(args.data).read_text(encoding="utf-8"))["items"]
    lex = load(args.lexicon)
    tp = fp = fn = tn = kind_ok = 0
    mistakes = []
    for item in items:
        found = detect(item["text"], lex)
        if found.abusive and item["abusive"]:
            tp += 1
            kind_ok += found.kind == item["kind"]
        elif found.abusive:
            fp += 1
            mistakes.append(("FP", found.words, item["text"]))
        elif item["abusive"]:
            fn += 1
            mistakes.append(("FN", [], item["text"]))
        else:
            tn += 1
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            detect(item["text"], lex)
    per_second = rounds * len(items) / (time.perf_counter() - started)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"labelled transcripts: {len(items)} ({tp + fn} abusive, {tn + fp} ordinary); lexicon {lex.size} words")
    print(f"precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    print(f"kind correct on true positives: {kind_ok}/{tp}")
    print(f"throughput: {per_second:,.0f} transcripts/s (one process)")
    for tag, words, text in mistakes:
        print(f"  {tag} {words} {text}")


if __name__ == "__main__":
    main()
