"""Training data and evaluation of the triage model: the packaged corpus, the labels agents gave in the
database (a human change of type, urgency, category or department on a case is a label), and the
held-out evaluation figures (accuracy, per-class recall, confusion, calibration)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy.orm import Session

from ticketing.triage.model import NO_HANDOFF, Row

CORPUS = Path(__file__).resolve().parent / "corpus"
HUMAN_ROLES = ("agent", "supervisor", "admin")
DECISIONS = ("triage", "dispatch", "handoff", "undo_auto_dispatch")
DB_WEIGHT = 3  # an agent's decision counts as this many generated calls


def read_jsonl(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def corpus_rows(path: Path | None = None) -> list[Row]:
    return [to_row(r) for r in read_jsonl(path or CORPUS / "train.jsonl")]


def to_row(r: dict) -> Row:
    return Row(text=r["text"], type=r["type"], handoff=r.get("handoff") or NO_HANDOFF, matter=r.get("matter"))


def decision_rows(session: Session) -> list[Row]:
    """One row per case an agent corrected or confirmed by hand (a triage, dispatch or hand-off by a person),
    labelled with the case's values now, each weighing DB_WEIGHT generated calls."""
    from ticketing.triage import service

    rows: list[Row] = []
    ids = service.decided_ticket_ids(session, actions=DECISIONS, roles=HUMAN_ROLES)
    for chunk in range(0, len(ids), 500):
        for ticket, code, handed in service.labelled_tickets(session, ids=ids[chunk:chunk + 500]):
            text = ticket.transcript or ticket.content
            if not text or not text.strip():
                continue
            handoff = NO_HANDOFF
            if ticket.urgency == "urgent":
                hint = ((ticket.suggestions or {}).get("triage") or {}).get("handoff")
                handoff = handed or hint or "110"
            rows.extend([Row(text=text, type=ticket.ticket_type, handoff=handoff, matter=code)] * DB_WEIGHT)
    return rows


def evaluate(model, rows: list[dict]) -> dict:
    """Accuracy, per-class recall, confusion and calibration of each head on labelled rows."""
    probs = model.predict([r["text"] for r in rows])
    report: dict = {"rows": len(rows)}
    for head, key in (("type", "type"), ("handoff", "handoff"), ("matter", "matter")):
        pairs, confidences = [], []
        for p, r in zip(probs, rows, strict=True):
            truth = r.get(key) or (NO_HANDOFF if head == "handoff" else None)
            if truth is None or head not in p:
                continue
            guess = max(p[head], key=p[head].get)
            pairs.append((truth, guess))
            confidences.append(p[head][guess])
        report[head] = _head_report(pairs, confidences)
    return report


def _head_report(pairs: list[tuple[str, str]], confidences: list[float]) -> dict:
    total = len(pairs) or 1
    correct = [t == g for t, g in pairs]
    per_class: dict[str, dict] = {}
    for label, n in Counter(t for t, _ in pairs).items():
        hit = sum(1 for t, g in pairs if t == label and g == label)
        per_class[label] = {"n": n, "recall": round(hit / n, 3)}
    confusion = Counter(f"{t}→{g}" for t, g in pairs if t != g)
    bins = []
    ece = 0.0
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        idx = [i for i, c in enumerate(confidences) if lo <= c < lo + 0.2 or (lo == 0.8 and c >= 1.0)]
        if not idx:
            continue
        conf = sum(confidences[i] for i in idx) / len(idx)
        acc = sum(correct[i] for i in idx) / len(idx)
        ece += len(idx) / total * abs(conf - acc)
        bins.append({"from": lo, "to": round(lo + 0.2, 1), "n": len(idx), "confidence": round(conf, 3),
                     "accuracy": round(acc, 3)})
    return {"accuracy": round(sum(correct) / total, 4), "per_class": per_class,
            "confusion": dict(confusion.most_common(10)), "calibration": bins, "ece": round(ece, 4)}


__all__ = ["CORPUS", "corpus_rows", "decision_rows", "evaluate", "read_jsonl", "to_row"]
