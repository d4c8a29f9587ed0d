"""HTTP Range requests (RFC 9110 §14) parsed strictly, and the bytes of a file they select, streamed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from hotline.errors import RangeNotSatisfiable

_SPEC = re.compile(r"(\d*)-(\d*)")
MAX_RANGES = 8
CHUNK = 64 * 1024


def parse(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """Inclusive (first, last) byte positions the header asks for, or None for no Range header (whole file).

    Accepted: ``bytes=a-b``, ``bytes=a-``, suffix ``bytes=-n``, leading zeros, spaces around the list items,
    several comma-separated ranges (at most MAX_RANGES; overlapping ones are merged). Anything else — another
    unit, garbage, b < a, a start past the end, ``bytes=-0``, an empty file — raises RangeNotSatisfiable."""
    if header is None:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        raise RangeNotSatisfiable("only byte ranges are served", size=size)
    items = [item.strip() for item in spec.split(",")]
    if not items or len(items) > MAX_RANGES or any(not item for item in items):
        raise RangeNotSatisfiable(f"between 1 and {MAX_RANGES} byte ranges", size=size)
    ranges = []
    for item in items:
        match = _SPEC.fullmatch(item)
        if not match or (not match.group(1) and not match.group(2)):
            raise RangeNotSatisfiable(f"malformed byte range {item!r}", size=size)
        first, last = match.group(1), match.group(2)
        if not first:  # suffix: the last n bytes
            n = int(last)
            if n == 0 or size == 0:
                raise RangeNotSatisfiable("empty suffix range", size=size)
            ranges.append((max(0, size - n), size - 1))
            continue
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if start >= size or (last and int(last) < start):
            raise RangeNotSatisfiable(f"byte range {item!r} lies outside the file", size=size)
        ranges.append((start, end))
    ranges.sort()
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        if start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def read(path: Path, start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (inclusive) of the file, in chunks."""
    with path.open("rb") as f:
        f.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def multipart(path: Path, ranges: list[tuple[int, int]], size: int, media_type: str,
              boundary: str) -> Iterator[bytes]:
    """A multipart/byteranges body of several ranges."""
    for start, end in ranges:
        yield (f"--{boundary}\r\nContent-Type: {media_type}\r\n"
               f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n").encode()
        yield from read(path, start, end)
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def label(ranges: list[tuple[int, int]] | None, size: int) -> str:
    """What was served, for the audit: "0-1023/4096" or "0-99,200-299/4096"."""
    spans = ranges or [(0, size - 1)] if size else []
    return ",".join(f"{a}-{b}" for a, b in spans) + f"/{size}"
