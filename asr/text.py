"""Text clean-up shared by the engines: simplified Chinese, no spaces between Chinese words."""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (zhconv, a small pure-Python table); other scripts pass through."""
    if not text:
        return text
    import zhconv

    return zhconv.convert(text, "zh-cn")


def join_cjk(text: str) -> str:
    """Vosk separates Chinese words with spaces: drop spaces between CJK characters, keep them elsewhere."""
    return _SPACE_BETWEEN_CJK.sub("", text.strip())


def normalise_zh(text: str) -> str:
    return join_cjk(to_simplified(text)).strip()
