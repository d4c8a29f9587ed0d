"""Return-visit SMS: the gateway loader, an in-memory fake of the port, and the reading of replies.

The port (`SmsGateway`, `SmsRejected`, `SmsUnavailable`) is in telephony/port.py beside the phone ports; the
Twilio adapter lives in telephony/twilio_sms.py (domain packages import no vendor SDK); a domestic SMS
gateway replaces it by implementing `SmsGateway` and naming its factory in settings.sms_gateway."""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass, field
from itertools import count

from hotline.settings import Settings
from ticketing import rules
from ticketing.enums import Satisfaction


def load(settings: Settings, path: str) -> object:
    """Build an adapter from a "module:callable" setting, called with the Settings."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)(settings)


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    status_callback: str | None
    ref: str


@dataclass
class FakeSms:
    """Keeps what was sent; `fail` scripts the next sends' errors; signatures are checked against `secret`."""

    secret: str = "fake-secret"
    sent: list[SentSms] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1), repr=False)

    def send(self, to: str, body: str, *, status_callback: str | None) -> str:
        if self.fail:
            raise self.fail.pop(0)
        ref = f"SMfake{next(self._ids):08d}"
        self.sent.append(SentSms(to, body, status_callback, ref))
        return ref

    def sign(self, url: str, params: dict[str, str]) -> str:
        return f"{self.secret}|{url}|" + "&".join(f"{k}={params[k]}" for k in sorted(params))

    def verify(self, url: str, params: dict[str, str], signature: str) -> bool:
        return bool(signature) and signature == self.sign(url, params)


# Key / reply digit → satisfaction, in the order the survey reads them out (1 非常满意 … 5 非常不满意).
KEYS: dict[str, Satisfaction] = {
    "1": Satisfaction.VERY_SATISFIED, "2": Satisfaction.SATISFIED, "3": Satisfaction.BASIC,
    "4": Satisfaction.DISSATISFIED, "5": Satisfaction.VERY_DISSATISFIED,
}
# The score of each rating (5 非常满意 … 1 非常不满意) and the "dissatisfied" rule live in ticketing.rules.
SCORES = rules.SCORES
# Longest first: "非常不满意" must not be read as "满意".
WORDS: tuple[tuple[str, Satisfaction], ...] = (
    ("非常不满意", Satisfaction.VERY_DISSATISFIED), ("很不满意", Satisfaction.VERY_DISSATISFIED),
    ("基本满意", Satisfaction.BASIC), ("非常满意", Satisfaction.VERY_SATISFIED),
    ("很满意", Satisfaction.VERY_SATISFIED), ("不满意", Satisfaction.DISSATISFIED),
    ("满意", Satisfaction.SATISFIED),
)
STOP_WORDS = ("STOP", "UNSUBSCRIBE", "TD", "退订", "取消")


def parse_reply(body: str) -> Satisfaction | str | None:
    """A reply as a Satisfaction, "stop" for an opt-out, or None when it cannot be read. Lenient:
    full-width digits and spaces are folded, the first digit 1–5 counts, otherwise the words."""
    text = unicodedata.normalize("NFKC", body or "").strip()
    if not text:
        return None
    upper = text.upper()
    if any(upper == w or upper.startswith(w + " ") for w in STOP_WORDS) or upper in ("退订", "TD"):
        return "stop"
    digits = [c for c in text if c.isdigit()]
    if len(digits) == 1 and digits[0] in KEYS:
        return KEYS[digits[0]]
    if digits:
        return None  # "12", "6", a phone number …: ambiguous
    for word, value in WORDS:
        if word in text:
            return value
    return None


def survey_text(number: str) -> str:
    return (f"【12345热线】您反映的工单{number}已办结。请回复数字评价：1非常满意，2满意，3基本满意，"
            f"4不满意，5非常不满意。回复TD退订回访。")
