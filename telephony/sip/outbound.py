"""Outbound calls (return-visit surveys) on pjsua2: the real adapter of telephony.port.OutboundCalls.

`SipOutboundCalls.place_call` runs `hotline telephony dial` in a child process (pjsua2 never runs inside a
Celery or API process) and reads its one-line JSON answer. The dialer calls settings.sip_outbound_uri
(e.g. "sip:{number}@trunk.example:5060") and, once answered, carries out the survey dialogue of ivr.survey
(telephony/sip/survey_call.py executes its actions): prompts are WAVs under data_dir/prompts (a missing one
is logged and skipped), keys arrive by RFC 2833 or SIP INFO, also during the prompts. 486/600/603 → busy;
no answer within sip_outbound_ring_seconds, 408/480/487 → no_answer.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from hotline.errors import ConfigurationError, VendorError
from hotline.redact import mask_number
from hotline.settings import Settings
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
        argv = [sys.executable, "-m", "hotline.cli", "telephony", "dial", number.strip(),
                "--case", survey.case_number, "--tries", str(survey.tries), "--timeout", str(survey.timeout_s)]
        bound = call_bound(self.settings, survey) + 30
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=bound, check=False, env=self._env())
        except subprocess.TimeoutExpired:
            log.error("outbound call to %s did not finish within %.0fs", mask_number(number), bound)
            return OutboundResult(outcome="failed")
        for line in reversed(done.stdout.splitlines()):
            if line.startswith("{"):
                data = json.loads(line)
                return OutboundResult(outcome=data["outcome"], digit=data.get("digit"), call_ref=data.get("call_ref"),
                                      invalid_keys=int(data.get("invalid_keys") or 0),
                                      played=tuple(data.get("played") or ()))
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


def dial(settings: Settings, number: str, *, survey: SurveySpec) -> dict:
    """Place one survey call with a private pjsua2 endpoint (this process only); returns the result as a dict:
    outcome, digit (valid rating key or None), call_ref, invalid_keys, played (prompt keys), missing."""
    import pjsua2 as pj

    events: deque[tuple[str, object]] = deque()   # filled by pjsua2 callbacks, drained by the loop below

    class Call(pj.Call):
        def onCallState(self, prm) -> None:
            info = self.getInfo()
            events.append(("state", (info.state, info.lastStatusCode)))

        def onCallMediaState(self, prm) -> None:
            events.append(("media", None))

        def onDtmfDigit(self, prm) -> None:
            events.append(("digit", str(prm.digit)))

    class Player(pj.AudioMediaPlayer):
        def __init__(self, serial: int) -> None:
            super().__init__()
            self.serial = serial

        def onEof2(self) -> None:
            events.append(("eof", self.serial))

    class Media:
        """The SurveyMedia of this call: one prompt player at a time towards the call's audio."""

        def __init__(self, call: Call) -> None:
            self.call, self.audio, self.player, self.serial = call, None, None, 0

        def play(self, path: Path) -> bool:
            self.serial += 1
            try:
                player = Player(self.serial)
                player.createPlayer(str(path), pj.PJMEDIA_FILE_NO_LOOP)
                player.startTransmit(self.audio)
            except pj.Error as exc:
                log.warning("cannot play %s: %s", path, exc.info() if hasattr(exc, "info") else exc)
                return False
            self.player = player
            return True

        def stop_play(self) -> None:
            self.player = None   # destroys the player: it leaves the conference bridge

        def hangup(self) -> None:
            self.call.hangup(pj.CallOpParam(True))

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt, cfg.uaConfig.mainThreadOnly = 0, True
    cfg.logConfig.level = cfg.logConfig.consoleLevel = 1
    cfg.medConfig.clockRate = cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.channelCount = 1
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = settings.sip_host
    if settings.sip_public_address:
        tcfg.publicAddress = settings.sip_public_address
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.audDevManager().setNullDev()
    for codec in ep.codecEnum2():
        ep.codecSetPriority(codec.codecId, {"PCMU/8000/1": 255, "PCMA/8000/1": 254}.get(codec.codecId, 0))
    ep.libStart()
    acc = pj.Account()
    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:12345@{settings.sip_public_address or settings.sip_host}"
    acfg.mediaConfig.transportConfig.boundAddress = settings.sip_host   # RTP where SIP is, as the workers do
    if settings.sip_public_address:
        acfg.mediaConfig.transportConfig.publicAddress = settings.sip_public_address
    acc.create(acfg, True)
    call = Call(acc)
    media = Media(call)
    session = SurveyCall(survey, media=media, prompts_dir=Path(settings.data_dir, "prompts").resolve())
    result: dict = {"outcome": "failed", "digit": None, "call_ref": None, "invalid_keys": 0, "played": [],
                    "missing": []}
    try:
        call.makeCall(settings.sip_outbound_uri.format(number=number), pj.CallOpParam(True))
        result["call_ref"] = call.getInfo().callIdString
        answered, answered_at, code, ended, hung_up = False, 0.0, 0, False, False
        started = time.monotonic()
        ring_until, give_up_at = started + settings.sip_outbound_ring_seconds, started + call_bound(settings, survey)
        while not ended:
            ep.libHandleEvents(10)
            now = time.monotonic()
            while events and not ended:
                kind, data = events.popleft()
                if kind == "state":
                    state, code = data
                    if state == pj.PJSIP_INV_STATE_CONFIRMED:
                        answered, answered_at = True, now
                    elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
                        ended = True
                        session.disconnected(now)
                elif kind == "media" and media.audio is None:
                    info = call.getInfo()  # keep it alive while reading its media (SWIG references into it)
                    for m in info.media:
                        if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                            media.audio = call.getAudioMedia(m.index)
                elif kind == "eof" and media.player is not None and data == media.player.serial:
                    media.player = None
                    session.play_done(now)
                elif kind == "digit":
                    session.digit(data, now)
                if answered and media.audio is not None and not session.started:
                    session.answered(now)
            if ended:
                break
            session.tick(now)
            if session.started:
                overdue, why = now > give_up_at, "call too long"
            elif answered:
                overdue, why = now > answered_at + NO_AUDIO_SECONDS, "answered without audio"
            else:
                overdue, why = now > ring_until, "no answer"
            if overdue and not hung_up and session.hangup_reason is None:
                log.warning("survey call to %s hung up by the dialer (%s)", mask_number(number), why)
                call.hangup(pj.CallOpParam(True))
                hung_up = True
        result.update(outcome=outcome_for(code, answered), digit=session.rating if answered else None,
                      invalid_keys=session.invalid_keys, played=session.played, missing=session.missing)
    finally:
        media.player = media.audio = media.call = None
        del call
        acc.shutdown()
        del acc
        ep.libDestroy()
    return result
