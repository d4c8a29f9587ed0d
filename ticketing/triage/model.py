"""The trained triage classifier: character n-grams + jieba words + fuzzy pinyin syllables → calibrated
linear models for ticket type, emergency hand-off (none/110/119/120/122; its complement is the urgency
probability) and matter. Pure (no database): `train` takes labelled rows, `save`/`load` use versioned
directories <models_dir>/<version>/ with a model.joblib and a meta.json."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import jieba
import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from ticketing.triage.sounds import syllables

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)
FORMAT = 2
NO_HANDOFF = "none"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
MAX_CHARS = 2000  # what the model reads of a text (the start says what the call is about)
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    return _SPACES.sub(" ", (text or "")[:MAX_CHARS]).strip()


def words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def pinyin_tokens(text: str) -> list[str]:
    sylls = [s for s in syllables(text) if s]
    return sylls + [f"{a}_{b}" for a, b in pairwise(sylls)]


@dataclass
class Row:
    text: str
    type: str
    handoff: str  # NO_HANDOFF or a service
    matter: str | None


class TriageModel:
    """Fitted vectorizers and the three classifiers; `predict` gives label → probability maps."""

    def __init__(self, *, max_features: int = 30000, c: float = 0.5, folds: int = 3):
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                     max_features=max_features)
        self.words = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2, max_features=max_features)
        self.pinyin = TfidfVectorizer(analyzer=pinyin_tokens, sublinear_tf=True, min_df=2,
                                      max_features=max_features)
        self.c, self.folds = c, folds
        self.heads: dict[str, CalibratedClassifierCV] = {}
        self.format = FORMAT

    def _x(self, texts: list[str], fit: bool = False):
        if not fit and len(texts) == 1:
            return self._one(texts[0])
        parts = [v.fit_transform(texts) if fit else v.transform(texts)
                 for v in (self.chars, self.words, self.pinyin)]
        return hstack(parts).tocsr().astype(np.float32)

    def _one(self, text: str):
        """TfidfVectorizer.transform of a single text (sublinear tf × idf, l2 per vectorizer) without
        scikit-learn's per-call validation: the same numbers, a fraction of the time."""
        cols: list[int] = []
        vals: list[float] = []
        offset = 0
        for v in (self.chars, self.words, self.pinyin):
            vocab, idf = v.vocabulary_, v.idf_
            counts: dict[int, int] = {}
            for token in v.build_analyzer()(text):
                j = vocab.get(token)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:
                idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
                w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[idx]
                w /= np.linalg.norm(w) or 1.0
                cols.extend((idx + offset).tolist())
                vals.extend(w.tolist())
            offset += len(idf)
        return csr_matrix((np.asarray(vals, dtype=np.float32), np.asarray(cols, dtype=np.int64),
                           np.array([0, len(cols)])), shape=(1, offset))

    def fit(self, rows: list[Row]) -> TriageModel:
        texts = [normalise(r.text) for r in rows]
        x = self._x(texts, fit=True)
        for vectorizer in (self.chars, self.words, self.pinyin):
            vectorizer.stop_words_ = None  # the pruned terms are not needed to predict and weigh megabytes
        labels = {"type": [r.type for r in rows], "handoff": [r.handoff for r in rows]}
        matter_rows = [i for i, r in enumerate(rows) if r.matter]
        for head, y in labels.items():
            self.heads[head] = self._fit_head(x, y)
        self.heads["matter"] = self._fit_head(x[matter_rows], [rows[i].matter for i in matter_rows])
        return self.compile()

    def _fit_head(self, x, y: list[str]) -> CalibratedClassifierCV:
        counts: dict[str, int] = {}
        for label in y:
            counts[label] = counts.get(label, 0) + 1
        folds = max(2, min(self.folds, min(counts.values())))
        keep = [i for i, label in enumerate(y) if counts[label] >= 2]  # calibration needs 2 of each label
        head = CalibratedClassifierCV(LinearSVC(C=self.c), cv=folds, method="sigmoid", ensemble=False)
        return head.fit(x[keep], [y[i] for i in keep])

    def compile(self) -> TriageModel:
        """Turn each calibrated head into plain arrays (weights, intercepts, sigmoid a/b): the same
        probabilities as CalibratedClassifierCV.predict_proba without its per-call validation cost."""
        self.compiled = {}
        for head, clf in self.heads.items():
            inner = clf.calibrated_classifiers_[0]
            svc = inner.estimator
            a = np.array([c.a_ for c in inner.calibrators], dtype=np.float64)
            b = np.array([c.b_ for c in inner.calibrators], dtype=np.float64)
            self.compiled[head] = ([str(c) for c in clf.classes_],
                                   np.ascontiguousarray(svc.coef_.T, dtype=np.float32),
                                   svc.intercept_.astype(np.float64), a, b)
        self.heads = {}  # the arrays above are all predict needs; the file stays small
        return self

    def predict(self, texts: list[str]) -> list[dict[str, dict[str, float]]]:
        x = self._x([normalise(t) for t in texts])
        out: list[dict[str, dict[str, float]]] = [{} for _ in texts]
        for head, (classes, w, intercept, a, b) in self.compiled.items():
            scores = np.asarray(x @ w, dtype=np.float64) + intercept
            probs = 1.0 / (1.0 + np.exp(a * scores + b))  # sklearn's sigmoid calibration
            if len(classes) == 2:  # one decision function: it scores the second class
                probs = np.hstack([1.0 - probs[:, :1], probs[:, :1]])
            probs /= np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
            for i, row in enumerate(probs):
                out[i][head] = dict(zip(classes, row.tolist(), strict=True))
        return out


def train(rows: list[Row], **options) -> TriageModel:
    if len({r.type for r in rows}) < 2 or len({r.handoff for r in rows}) < 2:
        raise ValueError("training needs at least two ticket types and two hand-off labels")
    return TriageModel(**options).fit(rows)


def new_version() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + f"-{int(time.time() * 1000) % 1000:03d}"


def save(model: TriageModel, models_dir: Path, *, meta: dict) -> Path:
    """Write a new version directory and return it; the newest version is the one in use."""
    version = new_version()
    target = Path(models_dir) / version
    tmp = Path(models_dir) / f".{version}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, tmp / MODEL_FILE, compress=3)
    digest = hashlib.sha256((tmp / MODEL_FILE).read_bytes()).hexdigest()
    meta = {**meta, "version": version, "format": FORMAT, "sha256": digest,
            "bytes": (tmp / MODEL_FILE).stat().st_size}
    (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.rename(target)
    return target


def versions(models_dir: Path) -> list[Path]:
    root = Path(models_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


@dataclass(frozen=True)
class Loaded:
    model: TriageModel | None
    version: str | None
    error: str | None  # why no model is in use


_cache: dict[str, tuple[tuple, Loaded]] = {}
_lock = threading.Lock()


def _stamp(models_dir: Path) -> tuple:
    found = versions(models_dir)
    if not found:
        return ()
    newest = found[-1] / MODEL_FILE
    try:
        return (str(newest), newest.stat().st_mtime_ns)
    except OSError:
        return (str(newest), None)


def load(models_dir: Path) -> Loaded:
    """The newest model under `models_dir`, re-read when a newer version appears or its file changes. A
    missing or corrupt file gives Loaded(model=None, error=...) and an error in the log, never an exception."""
    key = str(Path(models_dir).resolve())
    stamp = _stamp(models_dir)
    hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with _lock:
        loaded = _read(models_dir, stamp)
        _cache[key] = (stamp, loaded)
    return loaded


def _read(models_dir: Path, stamp: tuple) -> Loaded:
    if not stamp:
        error = f"no triage model under {models_dir}; run `hotline triage train` (the rule layer still runs)"
        log.error(error)
        return Loaded(None, None, error)
    path = Path(stamp[0])
    try:
        meta = json.loads((path.parent / META_FILE).read_text(encoding="utf-8"))
        if hashlib.sha256(path.read_bytes()).hexdigest() != meta.get("sha256"):
            raise ValueError("checksum does not match meta.json")
        model = joblib.load(path)
        if not isinstance(model, TriageModel) or getattr(model, "format", None) != FORMAT:
            raise ValueError("not a triage model of this format")
        model.predict(["测试"])
    except Exception as exc:  # noqa: BLE001 - any broken file must leave the rule layer running
        error = f"triage model {path} cannot be used ({type(exc).__name__}: {exc}); the rule layer still runs"
        log.error(error)
        return Loaded(None, path.parent.name, error)
    return Loaded(model, path.parent.name, None)


__all__ = ["NO_HANDOFF", "Loaded", "Row", "TriageModel", "load", "normalise", "save", "train", "versions"]
