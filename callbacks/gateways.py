"""The adapters configured in settings (settings.visit_outbound, settings.sms_gateway), one per process."""

from __future__ import annotations

from threading import Lock

from callbacks.sms import load
from hotline.settings import Settings
from telephony.port import OutboundCalls, SmsGateway

_lock = Lock()
_cache: dict[tuple[str, int], object] = {}


def _get(settings: Settings, path: str) -> object:
    key = (path, id(settings))
    with _lock:
        if key not in _cache:
            _cache[key] = load(settings, path)
        return _cache[key]


def outbound(settings: Settings) -> OutboundCalls:
    return _get(settings, settings.visit_outbound)  # type: ignore[return-value]


def sms(settings: Settings) -> SmsGateway:
    return _get(settings, settings.sms_gateway)  # type: ignore[return-value]
