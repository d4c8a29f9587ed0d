"""Outbound calls through the real pjsua2 adapter (telephony.sip.outbound.SipOutboundCalls), answered, refused
or left ringing by SIPp as the called party."""

from __future__ import annotations

import subprocess

import pytest

from hotline.errors import ConfigurationError
from ivr.survey import SurveySpec
from telephony.port import OutboundCalls
from telephony.sip.outbound import SipOutboundCalls, outcome_for
from tests.ports_support import free_port
from tests.sipp_support import SIPP, uas_scenario
from tests.wav_support import make_prompts

pytestmark = pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")

SURVEY = SurveySpec(case_number="2026120300007", tries=2, timeout_s=5)


def _called_party(tmp_path, mode: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    sc = uas_scenario(tmp_path / f"{mode}.xml", mode=mode, digit="4")
    proc = subprocess.Popen([SIPP, "-sf", str(sc), "-i", "127.0.0.1", "-p", str(port), "-m", "1", "-nostdin",
                             "-timeout", "30s", "-timeout_error"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return proc, port


def _adapter(settings, port: int) -> OutboundCalls:
    make_prompts(settings.data_dir / "prompts", ["survey_intro", "digit_2", "survey_thanks"])  # the rest is missing
    s = settings.model_copy(update={"sip_outbound_uri": f"sip:{{number}}@127.0.0.1:{port}",
                                    "sip_outbound_ring_seconds": 2.0})
    return SipOutboundCalls(s)


@pytest.mark.parametrize(("mode", "outcome", "digit"), [("answer", "answered", "4"), ("busy", "busy", None),
                                                        ("ring", "no_answer", None)])
def test_outbound_call_outcomes(settings, tmp_path, mode, outcome, digit):
    party, port = _called_party(tmp_path, mode)
    try:
        result = _adapter(settings, port).place_call("13800138000", survey=SURVEY)
        assert (result.outcome, result.digit) == (outcome, digit)
        assert result.call_ref
        # missing prompts are skipped; the key (SIP INFO after 1.5 s) comes while waiting for it, then thanks
        assert result.played == (("survey_intro", *["digit_2"] * 3, "survey_thanks") if digit else ())
        assert party.wait(20) == 0   # the called party saw the whole dialog it expected
    finally:
        if party.poll() is None:
            party.kill()
            party.wait(5)


def test_outbound_needs_a_trunk_and_a_number(settings):
    with pytest.raises(ConfigurationError):
        SipOutboundCalls(settings).place_call("13800138000", survey=SURVEY)
    with pytest.raises(ValueError):
        _adapter(settings, 9).place_call("not-a-number", survey=SURVEY)
    assert outcome_for(603, False) == "busy" and outcome_for(503, False) == "failed"
