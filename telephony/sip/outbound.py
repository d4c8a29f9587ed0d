"""Outbound calls (return-visit surveys) on pjsua2: the real adapter of telephony.port.OutboundCalls.

`SipOutboundCalls.place_call` runs `hotline telephony dial` in a child process (pjsua2 never runs inside a
Celery or API process) and reads its one-line JSON answer, a `DialResult`; there a `Dialer` places the call. The dialer calls settings.sip_outbound_uri
(e.g. "sip:{number}@trunk.example:5060") and, once answered, carries out the survey dialogue of ivr.survey
(telephony/sip/survey_call.py executes its actions): prompts are WAVs under data_dir/prompts (a missing one
is logged and skipped), keys arrive by RFC 2833 or SIP INFO, also during the prompts. 486/600/603 → busy;
no answer within sip_outbound_ring_seconds, 408/480/487 → no_answer.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hotline.errors import ConfigurationError, VendorError
from hotline.redact import mask_number
from hotline.settings import Settings
from hotline.supervisor import cli_argv
from ivr.survey import SurveySpec
from telephony.port import OutboundResult
from telephony.sip.survey_call import SurveyCall

log = logging.getLogger(__name__)

BUSY = {486, 600, 603}
NO_ANSWER = {408, 480, 487}
NO_AUDIO_SECONDS = 10.0  # an answered call whose audio does not start within this is hung up
PROMPT_SECONDS = 60.0  # allowance per question for its prompts (opening with the case number, invalid key, ...)


class SipOutboundCalls:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def place_call(self, number: str, *, survey: SurveySpec) -> OutboundResult:
        if not number or not number.strip().lstrip("+").isdigit():
            raise ValueError(f"not a phone number: {number!r}")
        if not self.settings.sip_outbound_uri:
            raise ConfigurationError("outbound calls need HOTLINE_SIP_OUTBOUND_URI (e.g. sip:{number}@trunk:5060)")
        argv = [*cli_argv("telephony", "dial", number.strip()),
                "--case", survey.case_number, "--tries", str(survey.tries), "--timeout", str(survey.timeout_s)]
        bound = call_bound(self.settings, survey) + 30
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=bound, check=False, env=self._env())
        except subprocess.TimeoutExpired:
            log.error("outbound call to %s did not finish within %.0fs", mask_number(number), bound)
            return OutboundResult(outcome="failed")
        for line in reversed(done.stdout.splitlines()):
            if line.startswith("{"):
                return DialResult.from_json(line).outbound()
        raise VendorError(f"the SIP dialer failed (exit {done.returncode}): {done.stderr[-500:]}")

    def _env(self) -> dict[str, str]:
        """The dialer process uses this adapter's settings, whatever the environment says."""
        s = self.settings
        env = {**os.environ, "HOTLINE_DATA_DIR": str(Path(s.data_dir).resolve()), "HOTLINE_SIP_HOST": s.sip_host,
               "HOTLINE_SIP_OUTBOUND_URI": s.sip_outbound_uri or "",
               "HOTLINE_SIP_OUTBOUND_RING_SECONDS": str(s.sip_outbound_ring_seconds)}
        if s.sip_public_address:
            env["HOTLINE_SIP_PUBLIC_ADDRESS"] = s.sip_public_address
        return env


def outcome_for(code: int, answered: bool) -> str:
    if answered:
        return "answered"
    if code in BUSY:
        return "busy"
    if code in NO_ANSWER or code == 0:
        return "no_answer"
    return "failed"


def call_bound(settings: Settings, survey: SurveySpec) -> float:
    """Seconds a survey call may last at most, ringing included (the dialer hangs up after that)."""
    return settings.sip_outbound_ring_seconds + 60.0 + survey.tries * (survey.timeout_s + PROMPT_SECONDS)


@dataclass(frozen=True)
class DialResult:
    """How one survey call went, as `hotline telephony dial` prints it (one JSON line, these keys in order):
    outcome, digit (valid rating key or None), call_ref, invalid_keys, played and missing (prompt keys)."""

    outcome: str
    digit: str | None = None
    call_ref: str | None = None
    invalid_keys: int = 0
    played: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, line: str) -> DialResult:
        data = json.loads(line)
        return cls(outcome=data["outcome"], digit=data.get("digit"), call_ref=data.get("call_ref"),
                   invalid_keys=int(data.get("invalid_keys") or 0), played=list(data.get("played") or ()),
                   missing=list(data.get("missing") or ()))

    def outbound(self) -> OutboundResult:
        return OutboundResult(outcome=self.outcome, digit=self.digit, call_ref=self.call_ref,  # type: ignore[arg-type]
                              invalid_keys=self.invalid_keys, played=tuple(self.played))


class Dialer:
    """Places survey calls from this process on its own SIP endpoint (telephony/sip/endpoint.py), one at a time,
    on the calling thread (the pjsua2 thread rules hold: open, poll and close on one thread)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def dial(self, number: str, *, survey: SurveySpec) -> DialResult:
        import pjsua2 as pj

        from telephony.sip.endpoint import EndpointConfig, SipEndpoint
        from telephony.sip.pjcall import PjCall

        endpoint = SipEndpoint(EndpointConfig.outbound(self.settings))
        endpoint.open(pj.Account())
        events: queue.Queue = queue.Queue()   # filled by pjsua2 callbacks, drained by _converse
        call = PjCall(events, endpoint.account, pj.PJSUA_INVALID_ID, "survey")
        session = SurveyCall(survey, media=call, prompts_dir=Path(self.settings.data_dir, "prompts").resolve())
        try:
            call.makeCall(self.settings.sip_outbound_uri.format(number=number), pj.CallOpParam(True))
            call_ref = call.getInfo().callIdString
            code, answered = self._converse(endpoint, call, events, session, number)
            return DialResult(outcome=outcome_for(code, answered), digit=session.rating if answered else None,
                              call_ref=call_ref, invalid_keys=session.invalid_keys, played=session.played,
                              missing=session.missing)
        finally:
            call.stop_play()
            call.audio = None
            call.garbage.clear()
            del session, call   # the survey holds the call as its media: no pjsua2 object outlives the endpoint
            endpoint.close()

    def _converse(self, endpoint, call, events: queue.Queue, session: SurveyCall, number: str) -> tuple[int, bool]:
        """Poll until the call is disconnected, feeding its events to the survey; returns the last SIP status
        code and whether the call was answered. Hangs up a call that rings, stays silent or lasts too long."""
        import pjsua2 as pj

        answered, answered_at, code, hung_up = False, 0.0, 0, False
        started = time.monotonic()
        ring_until = started + self.settings.sip_outbound_ring_seconds
        give_up_at = started + call_bound(self.settings, session.spec)
        while True:
            endpoint.poll(10)
            now = time.monotonic()
            while not events.empty():
                kind, _key, data = events.get_nowait()
                if kind == "state":
                    state, code = data
                    if state == pj.PJSIP_INV_STATE_CONFIRMED:
                        answered, answered_at = True, now
                    elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
                        session.disconnected(now)
                        return code, answered
                elif kind == "media" and call.audio is None:
                    info = call.getInfo()  # keep it alive while reading its media (SWIG references into it)
                    for m in info.media:
                        if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                            call.reconnect(call.getAudioMedia(m.index))
                elif kind == "eof" and call.player is not None and id(call.player) == data:
                    session.play_done(now)
                elif kind == "digit":
                    session.digit(data, now)
                if answered and call.audio is not None and not session.started:
                    session.answered(now)
                call.garbage.clear()   # players stopped by the survey, destroyed outside any callback
            session.tick(now)
            if session.started:
                overdue, why = now > give_up_at, "call too long"
            elif answered:
                overdue, why = now > answered_at + NO_AUDIO_SECONDS, "answered without audio"
            else:
                overdue, why = now > ring_until, "no answer"
            if overdue and not hung_up and session.hangup_reason is None:
                log.warning("survey call to %s hung up by the dialer (%s)", mask_number(number), why)
                call.hangup_call(0)
                hung_up = True
