"""The maintained Chinese abuse lexicon (lexicon_zh.json next to this module, or a file named by
HOTLINE_ABUSE_LEXICON_PATH): insults, threats and harassment, in strong and targeted forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hotline.errors import ConfigurationError

DEFAULT_PATH = Path(__file__).with_name("lexicon_zh.json")
KINDS = ("insult", "threat", "harassment")


@dataclass(frozen=True)
class Lexicon:
    strong: dict[str, tuple[str, ...]]      # kind → words abusive wherever they occur
    targeted: dict[str, tuple[str, ...]]    # kind → words abusive only right after a second-person target
    targets: tuple[str, ...]                # 你, 你们这些 … (longest first)
    reporting: tuple[str, ...]              # 说, 骂, 扬言 …: a citizen reporting what someone else said

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.strong.values()) + sum(len(v) for v in self.targeted.values())


def parse(data: dict) -> Lexicon:
    try:
        strong = {kind: tuple(data[kind]["strong"]) for kind in KINDS}
        targeted = {kind: tuple(data[kind].get("targeted", ())) for kind in KINDS}
        targets = tuple(sorted(data["targets"], key=len, reverse=True))
        reporting = tuple(data.get("reporting", ()))
    except (KeyError, TypeError) as exc:
        raise ConfigurationError("abuse lexicon lacks a section", missing=str(exc)) from exc
    words = [w for group in (*strong.values(), *targeted.values()) for w in group]
    if any(not isinstance(w, str) or not w.strip() for w in words):
        raise ConfigurationError("abuse lexicon holds an empty word")
    return Lexicon(strong=strong, targeted=targeted, targets=targets, reporting=reporting)


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Lexicon:
    file = Path(path) if path else DEFAULT_PATH
    try:
        return parse(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError("abuse lexicon cannot be read", path=str(file)) from exc
