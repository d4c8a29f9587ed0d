"""Ports of the telephony domain: what the rest of the platform asks of a phone system (calls and SMS).

Adapters (pjsua2 in telephony/sip/, the fakes in telephony/fake.py) implement these Protocols; callers only
ever see these types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hotline.errors import VendorError
from ivr.survey import SurveySpec

Outcome = Literal["answered", "no_answer", "busy", "failed"]
WARNING = "abuse_warning"   # Screening.reason of a caller let in who is due the abuse warning first


@dataclass(frozen=True)
class Screening:
    """Whether an incoming call is let in. `reason` explains a block (shown in the call log), or is WARNING:
    the caller is let in but hears the abuse warning first."""

    blocked: bool
    reason: str | None = None

    @property
    def warning(self) -> bool:
        return not self.blocked and self.reason == WARNING


class CallerScreen(Protocol):
    """Checked on every incoming call before the IVR starts (the abusive-caller issue fills it). `caller` is
    the normalised number (telephony.flows.normalize_caller), None when unknown or anonymous."""

    def screen(self, caller: str | None) -> Screening: ...

    def warned(self, caller: str, *, call_id: int | None = None) -> int:
        """The caller heard the warning a WARNING screening asked for (on call `call_id`): returns how many
        incidents now count as warned. Only called after such a screening."""
        ...


class AllowAll:
    """Default screen: nobody is blocked (nor warned)."""

    def screen(self, caller: str | None) -> Screening:
        return Screening(blocked=False, reason=None)

    def warned(self, caller: str, *, call_id: int | None = None) -> int:
        return 0


@dataclass(frozen=True)
class OutboundResult:
    """How a survey call went. `digit` is the valid rating key (1–5) or None; `invalid_keys` counts the other
    keys pressed; `played` lists the prompt keys the called party was played, in order."""

    outcome: Outcome
    digit: str | None = None
    call_ref: str | None = None
    invalid_keys: int = 0
    played: tuple[str, ...] = ()


class OutboundCalls(Protocol):
    """Place a return-visit survey call: the dialogue of ivr.survey for `survey` (case number, tries, key
    timeout), carried out on a real call; prompts are keys of ivr.prompts / ivr.words."""

    def place_call(self, number: str, *, survey: SurveySpec) -> OutboundResult: ...


class SmsRejected(VendorError):
    """The provider refused the message for good (4xx: bad number, blocked…): not retried."""


class SmsUnavailable(VendorError):
    """The provider failed or could not be reached (5xx, network): retried with back-off."""


class SmsGateway(Protocol):
    def send(self, to: str, body: str, *, status_callback: str | None) -> str:
        """Send `body` to `to` (E.164); return the provider's message id."""
        ...

    def verify(self, url: str, params: dict[str, str], signature: str) -> bool:
        """Whether a webhook request to `url` with form `params` carries a valid signature."""
        ...
