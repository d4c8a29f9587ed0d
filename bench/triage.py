"""Triage bench (issue 11): urgent recall, false-urgent rate, hand-off right, type accuracy, matter and
department top-1/top-3 on the held-out generated calls and the hand-written calls, clean and
recognizer-noised, with the rule layer alone as the baseline; suggestions per second on one core.

    .venv/bin/python bench/triage.py [--models-dir DIR] [--train]

Without a model in the models directory (settings.triage_models_dir) it trains one from the corpus first
(--train forces that)."""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ticketing.triage import catalogue_data, model, training
from ticketing.triage.corpus import generate
from ticketing.triage.suggest import Engine

HANDWRITTEN = Path(__file__).resolve().parent / "data" / "triage_handwritten.jsonl"
# calls written by people who had not read the rules or the corpus (see ticketing/triage/corpus/PROVENANCE.md)
OUTSIDE = {"fresh": "triage_fresh.jsonl", "unseen-A": "triage_unseen_a.jsonl", "unseen-B": "triage_unseen_b.jsonl",
           "unseen-C": "triage_unseen_c.jsonl", "unseen-D": "triage_unseen_d.jsonl"}


def expected_department(row: dict, cat: catalogue_data.Catalogue) -> str | None:
    if "department" in row:
        return row["department"]
    matter = cat.matters.get(row.get("matter") or "")
    if matter is None:
        return None
    if not matter.local:
        return matter.responsible
    return cat.office(matter, cat.places.get(row["district"])) if row.get("district") else None


def measure(engine: Engine, rows: list[dict], cat) -> dict:
    n_urgent = n_normal = hit_urgent = false_urgent = handoff_ok = 0
    type_ok = m1 = m3 = mn = d1 = d3 = dn = 0
    for row in rows:
        hint = engine.suggest(row["text"])
        urgent = hint["urgency"] == "urgent"
        if row["urgency"] == "urgent":
            n_urgent += 1
            hit_urgent += urgent
            handoff_ok += urgent and hint["handoff"] == row["handoff"]
        else:
            n_normal += 1
            false_urgent += urgent
        type_ok += hint["type"] == row["type"]
        if row.get("matter"):
            mn += 1
            codes = [m["code"] for m in hint.get("matter_alternatives", [])]
            m1 += bool(codes[:1] == [row["matter"]])
            m3 += row["matter"] in codes[:3]
        dept = expected_department(row, cat)
        if dept:
            dn += 1
            got = [(hint["department"] or {}).get("code")] + [a["code"] for a in hint["alternatives"]]
            d1 += got[0] == dept
            d3 += dept in got[:1] + [a["code"] for a in hint["alternatives"]][:3]
    pct = lambda a, b: 100.0 * a / b if b else float("nan")
    return {"n": len(rows), "urgent": n_urgent, "urgent_recall": pct(hit_urgent, n_urgent),
            "false_urgent": pct(false_urgent, n_normal), "handoff_right": pct(handoff_ok, n_urgent),
            "type": pct(type_ok, len(rows)), "matter_top1": pct(m1, mn), "matter_top3": pct(m3, mn),
            "dept_top1": pct(d1, dn), "dept_top3": pct(d3, dn)}


def noised(rows: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    table = generate.homophones([r["text"] for r in rows] + [r["text"] for r in training.read_jsonl(
        training.CORPUS / "train.jsonl")[:2000]])
    return [{**r, "text": generate.noise(r["text"], rng, table, rate=0.15)} for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--train", action="store_true")
    args = parser.parse_args()
    models_dir = args.models_dir
    if models_dir is None:
        from hotline.settings import get_settings
        from ticketing.triage.suggest import models_dir as default_dir
        models_dir = default_dir(get_settings())
    if args.train or model.load(models_dir).model is None:
        models_dir = Path(tempfile.mkdtemp(prefix="triage-bench-")) if args.models_dir is None else models_dir
        started = time.monotonic()
        path = model.save(model.train(training.corpus_rows()), models_dir, meta={"bench": True})
        print(f"trained {path.name} in {time.monotonic() - started:.1f} s, "
              f"{(path / model.MODEL_FILE).stat().st_size / 1e6:.1f} MB")
    cat = catalogue_data.load()
    full = Engine(rules_path=None, models_dir=models_dir)
    rules_only = Engine(rules_path=None, models_dir=Path(tempfile.mkdtemp(prefix="no-model-")))
    held_out = training.read_jsonl(training.CORPUS / "test.jsonl")
    hand = training.read_jsonl(HANDWRITTEN)
    sets = {"held-out clean": held_out, "held-out noised": noised(held_out, 7),
            "hand-written clean": hand, "hand-written noised": noised(hand, 8)}
    for k, (name, file) in enumerate(OUTSIDE.items()):
        path = HANDWRITTEN.with_name(file)
        if path.is_file():
            rows = training.read_jsonl(path)
            sets[f"{name} clean"], sets[f"{name} noised"] = rows, noised(rows, 20 + k)
    print(f"model {model.load(models_dir).version}")
    print(f"{'set':<22}{'engine':<8}{'n':>5}{'urg':>5}{'recall%':>9}{'falseU%':>9}{'handoff%':>9}{'type%':>8}"
          f"{'mat@1':>7}{'mat@3':>7}{'dep@1':>7}{'dep@3':>7}")
    for name, rows in sets.items():
        for label, engine in (("model", full), ("rules", rules_only)):
            r = measure(engine, rows, cat)
            print(f"{name:<22}{label:<8}{r['n']:>5}{r['urgent']:>5}{r['urgent_recall']:>9.1f}"
                  f"{r['false_urgent']:>9.1f}{r['handoff_right']:>9.1f}{r['type']:>8.1f}{r['matter_top1']:>7.1f}"
                  f"{r['matter_top3']:>7.1f}{r['dept_top1']:>7.1f}{r['dept_top3']:>7.1f}")
    texts = [r["text"] for r in held_out[:400]]
    full.suggest(texts[0])
    started = time.process_time()
    for text in texts:
        full.suggest(text)
    cpu = time.process_time() - started
    print(f"suggestions/s on one core: {len(texts) / cpu:.0f} (model) ", end="")
    started = time.process_time()
    for text in texts:
        rules_only.suggest(text)
    print(f"vs {len(texts) / (time.process_time() - started):.0f} (rules only)")


if __name__ == "__main__":
    main()
