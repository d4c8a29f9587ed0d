"""Public follow-up tokens (Open311 `token`): the case number with a keyed MAC, so nobody can derive the token
of a case from its (sequential) number. The key is `settings.public_token_secret`, or a random key kept in
data_dir/public_token.key (created on first use, readable by the service account only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from hotline.settings import Settings

KEY_FILE = "public_token.key"
MAC_CHARS = 22  # 128 bits, URL-safe base64


def _key(settings: Settings) -> bytes:
    if settings.public_token_secret:
        return settings.public_token_secret.encode()
    path = Path(settings.data_dir) / KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(fresh)
    return fresh


def _mac(settings: Settings, number: str) -> str:
    digest = hmac.new(_key(settings), b"open311-token:" + number.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def mint(settings: Settings, number: str) -> str:
    return f"{number}.{_mac(settings, number)}"


def number_of(settings: Settings, token: str) -> str | None:
    """The case number a genuine token names, or None for anything else (forged, guessed, malformed)."""
    number, sep, mac = token.rpartition(".")
    if not sep or not number or len(mac) != MAC_CHARS or len(number) > 32:
        return None
    return number if hmac.compare_digest(mac, _mac(settings, number)) else None
