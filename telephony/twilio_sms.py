"""Twilio adapter of the return-visit SMS port (telephony.port.SmsGateway), on twilio-python.

4xx answers are SmsRejected (not retried), 5xx and network errors SmsUnavailable (retried with back-off by
the visit flow). Webhook signatures are checked with twilio's RequestValidator and the auth token."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from hotline.errors import ValidationFailed
from hotline.settings import Settings
from telephony.port import SmsRejected, SmsUnavailable


class TwilioSms:
    def __init__(self, settings: Settings) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from):
            raise ValidationFailed("SMS surveys need HOTLINE_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM")
        self.sender = settings.twilio_from
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=TwilioHttpClient(timeout=15))
        if settings.twilio_api_base:  # a local mock of the API (tests): every domain goes to it
            base = settings.twilio_api_base.rstrip("/")
            self.client.api.base_url = base

    def send(self, to: str, body: str, *, status_callback: str | None) -> str:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, from_=self.sender, body=body, **extra)
        except TwilioRestException as exc:
            if 400 <= (exc.status or 0) < 500:
                raise SmsRejected(f"Twilio refused the message ({exc.status}): {exc.msg}") from exc
            raise SmsUnavailable(f"Twilio failed ({exc.status}): {exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise SmsUnavailable(f"Twilio unreachable: {exc}") from exc
        return message.sid

    def verify(self, url: str, params: dict[str, str], signature: str) -> bool:
        return bool(signature) and self.validator.validate(url, params, signature)
