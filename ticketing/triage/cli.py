"""`hotline triage …`: train the model (corpus + agents' decisions), evaluate it, and suggest for texts."""

from __future__ import annotations

import json
import sys
import time

import click


def _ctx():
    from hotline.context import AppContext

    return AppContext.for_command()


@click.group("triage")
def triage() -> None:
    """Triage (分类/紧急识别/派单建议)."""


@triage.command("train")
@click.option("--corpus-only", is_flag=True, help="Ignore the agents' decisions in the database.")
def train_cmd(corpus_only: bool) -> None:
    """Build a new model version from the corpus plus every agent decision in the database."""
    from ticketing.triage import model, training
    from ticketing.triage.suggest import models_dir

    ctx = _ctx()
    rows = training.corpus_rows()
    decided = 0
    if not corpus_only:
        with ctx.reader() as session:
            extra = training.decision_rows(session)
        decided = len(extra) // training.DB_WEIGHT
        rows += extra
    started = time.monotonic()
    fitted = model.train(rows)
    path = model.save(fitted, models_dir(ctx.settings),
                      meta={"corpus_rows": len(rows) - decided * training.DB_WEIGHT, "decision_cases": decided,
                            "seconds": round(time.monotonic() - started, 1)})
    size = (path / model.MODEL_FILE).stat().st_size
    click.echo(f"model {path.name}: {len(rows)} rows ({decided} cases decided by agents), "
               f"{size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s → {path}")


@triage.command("eval")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="Labelled JSONL "
              "(default: the held-out test split).")
@click.option("--json", "as_json", is_flag=True)
def eval_cmd(path: str | None, as_json: bool) -> None:
    """Accuracy, per-class recall, confusion and calibration on held-out calls."""
    from ticketing.triage import model, training
    from ticketing.triage.suggest import models_dir

    ctx = _ctx()
    loaded = model.load(models_dir(ctx.settings))
    if loaded.model is None:
        click.echo(f"ERROR: {loaded.error}", err=True)
        sys.exit(2)
    rows = training.read_jsonl(path or training.CORPUS / "test.jsonl")
    report = training.evaluate(loaded.model, rows)
    report["model"] = loaded.version
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(f"model {loaded.version}, {report['rows']} held-out calls")
    for head in ("type", "handoff", "matter"):
        r = report[head]
        click.echo(f"\n[{head}] accuracy {r['accuracy']:.3f}  ECE {r['ece']:.3f}")
        classes = sorted(r["per_class"].items(), key=lambda kv: -kv[1]["n"])
        shown = classes if head != "matter" else classes[:10]
        click.echo("  recall: " + "  ".join(f"{k} {v['recall']:.2f} (n={v['n']})" for k, v in shown))
        click.echo("  confusion (truth→guess): " + ", ".join(f"{k} ×{n}" for k, n in r["confusion"].items()))
        click.echo("  calibration: " + "  ".join(f"[{b['from']:.1f},{b['to']:.1f}) n={b['n']} conf "
                                                f"{b['confidence']:.2f} acc {b['accuracy']:.2f}"
                                                for b in r["calibration"]))


@triage.command("suggest")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (the default output too).")
@click.argument("texts", nargs=-1)
def suggest_cmd(as_json: bool, texts: tuple[str, ...]) -> None:
    """Suggestions for TEXT arguments, or one text per line on stdin."""
    from ticketing.triage.flows import suggest

    ctx = _ctx()
    source = texts or (line.rstrip("\n") for line in sys.stdin)
    with ctx.reader() as session:
        for text in source:
            click.echo(json.dumps(suggest(ctx, text, session=session), ensure_ascii=False))
    del as_json
