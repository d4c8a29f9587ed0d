"""The Twilio SMS adapter (twilio-python) against Prism serving Twilio's own OpenAPI spec: a survey SMS the
spec accepts, a request it refuses (4xx: not retried), and a failing or unreachable API (5xx: retried)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from telephony.port import SmsRejected, SmsUnavailable
from telephony.twilio_sms import TwilioSms
from tests.callbacks_support import E164, Runner, attempts_of, closed_case, visit_of
from tests.ports_support import free_port

MOCK = Path(__file__).resolve().parent.parent / "callbacks" / "twilio-mock"
PRISM = MOCK / "node_modules" / ".bin" / "prism"
SPEC = MOCK / "node_modules" / "@twilio-alpha" / "mcp" / "twilio-oai" / "spec" / "json" / "twilio_api_v2010.json"
SID = "AC" + "0123456789abcdef" * 2

pytestmark = pytest.mark.skipif(not (PRISM.exists() and SPEC.exists() and shutil.which("node")),
                                reason="needs `npm ci` in callbacks/twilio-mock (scripts/install.sh)")


@pytest.fixture(scope="session")
def prism_url():
    port = free_port()
    proc = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, "prism exited"
                time.sleep(0.1)
        else:
            pytest.fail("prism did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def gateway(settings, base: str, sid: str = SID) -> TwilioSms:
    return TwilioSms(settings.model_copy(update={"twilio_account_sid": sid, "twilio_auth_token": "secret-token",
                                                 "twilio_from": "+15005550006", "twilio_api_base": base}))


def test_survey_sms_through_twilio_python_and_the_spec(context, users, queue, prism_url):
    context.settings.visit_call_attempts = 0
    context.settings.public_base_url = "https://hotline.example.gov.cn"
    number = closed_case(context, users)
    runner = Runner(context, queue, sms=gateway(context.settings, prism_url))
    runner.sweep()
    visit = visit_of(context, number)
    assert visit.status == "sms_sent" and visit.sms_ref.startswith("SM") and len(visit.sms_ref) == 34
    assert attempts_of(context, visit.id) == [("sms", "sent")]


def test_request_refused_by_the_api_is_not_retried(settings, prism_url):
    with pytest.raises(SmsRejected):  # the spec's AccountSid pattern: Prism answers 422
        gateway(settings, prism_url, sid="AC-not-a-sid").send(E164, "测试", status_callback=None)


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code": 20500, "message": "Service unavailable", "status": 503}')

    def log_message(self, *args):
        pass


def test_server_errors_and_unreachable_api_are_retryable(settings):
    server = HTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(SmsUnavailable):
            gateway(settings, f"http://127.0.0.1:{server.server_port}").send(E164, "测试", status_callback=None)
    finally:
        server.shutdown()
    with pytest.raises(SmsUnavailable):
        gateway(settings, f"http://127.0.0.1:{free_port()}").send(E164, "测试", status_callback=None)


def test_webhook_signatures_use_the_auth_token(settings):
    from twilio.request_validator import RequestValidator

    params = {"From": E164, "Body": "1", "MessageSid": "SM1"}
    url = "https://hotline.example.gov.cn/api/v1/callbacks/sms/reply"
    good = RequestValidator("secret-token").compute_signature(url, params)
    sms = gateway(settings, "http://127.0.0.1:9")
    assert sms.verify(url, params, good)
    assert not sms.verify(url, {**params, "Body": "5"}, good) and not sms.verify(url, params, "")
