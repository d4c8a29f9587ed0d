"""The survey call over real SIP: the return-visit flow places it through SipOutboundCalls (pjsua2, own
process) and SIPp is the citizen's phone: answering and pressing keys (SIP INFO, or RFC 2833 events in its
RTP stream), busy, or never answering; baresip answers and presses keys from its console too.

SIPp 3.6.1 drops what a played pcap holds after ~32 s (measured): keep key presses in a pcap earlier."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from callbacks.models import VisitAttempt
from ivr.survey import PROMPT_KEYS, spoken_case
from telephony.sip.outbound import SipOutboundCalls
from tests.baresip_support import BARESIP
from tests.callbacks_support import Runner, attempts_of, closed_case, ticket_of, visit_of
from tests.ports_support import free_port, wait_for
from tests.rtp_support import call_pcap
from tests.sipp_support import _REPLY, SIPP, _send, uas_scenario
from tests.wav_support import make_prompts

pytestmark = pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")

PROMPT_SECONDS = 0.3  # make_prompts' tone per prompt key
TELEPHONE_EVENT = 120  # the payload type PJSIP offers for telephone-event/8000: the answer keeps it

_SDP_2833 = f"""v=0
o=callee 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 {TELEPHONE_EVENT}
a=rtpmap:0 PCMU/8000
a=rtpmap:{TELEPHONE_EVENT} telephone-event/8000
a=fmtp:{TELEPHONE_EVENT} 0-15
"""


def uas_rfc2833(path: Path, pcap: Path) -> Path:
    """A called party that answers with telephone-event in its SDP, plays `pcap` (its RTP stream, holding
    the RFC 2833 key presses) from the moment the call is up, and waits for the dialer's BYE."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="survey called party (RFC 2833)">\n',
           '<recv request="INVITE" rrs="true"/>\n',
           _send(_REPLY.format(code="200 OK") + "Contact: <sip:callee@[local_ip]:[local_port]>\n"
                 "Content-Type: application/sdp\nContent-Length: [len]\n\n" + _SDP_2833, retrans=False),
           '<recv request="ACK"/>\n',
           f'<nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n',
           '<recv request="BYE" timeout="30000"/>\n',
           _send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
                 "Content-Length: 0\n", retrans=False),
           "</scenario>\n"]
    path.write_text("".join(xml))
    return path


class Recorded:
    """The real adapter, keeping every result (the dialer reports the prompts it played)."""

    def __init__(self, inner: SipOutboundCalls) -> None:
        self.inner, self.results, self.seconds = inner, [], []

    def place_call(self, number, *, survey):
        started = time.monotonic()
        result = self.inner.place_call(number, survey=survey)
        self.results.append(result)
        self.seconds.append(time.monotonic() - started)
        return result


def survey_call(context, users, queue, tmp_path, scenario: Path, *, tries: int = 3) -> tuple[str, Recorded]:
    port = free_port()
    party = subprocess.Popen([SIPP, "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mp",
                              str(free_port(4)), "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error"],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        number, outbound = _sweep_one(context, users, queue, port, tries)
        assert party.wait(30) == 0  # the called party saw the whole dialog it expected
    finally:
        if party.poll() is None:
            party.kill()
            party.wait(5)
    return number, outbound


def _sweep_one(context, users, queue, port: int, tries: int) -> tuple[str, Recorded]:
    """Close a case and let the return-visit sweep call it (through the real dialer) at 127.0.0.1:port."""
    s = context.settings
    make_prompts(s.data_dir / "prompts", [*PROMPT_KEYS, *(f"digit_{n}" for n in range(10))], seconds=PROMPT_SECONDS)
    s.sip_outbound_uri, s.sip_outbound_ring_seconds, s.visit_gather_seconds = (
        f"sip:{{number}}@127.0.0.1:{port}", 2.0, 5.0)
    s.visit_survey_tries = tries
    number = closed_case(context, users)
    outbound = Recorded(SipOutboundCalls(s))
    Runner(context, queue, outbound=outbound).sweep()
    return number, outbound


def call_row(context, visit_id: int) -> tuple[str | None, str | None, str | None]:
    with context.sessions() as s:
        a = s.scalars(select(VisitAttempt).where(VisitAttempt.visit_id == visit_id)).one()
        return a.outcome, a.digit, a.detail


@pytest.mark.parametrize(("mode", "key", "outcome"), [("answer", "4", "answered"), ("busy", None, "busy"),
                                                      ("ring", None, "no_answer")])
def test_survey_call_answered_by_sipp(context, users, queue, tmp_path, mode, key, outcome):
    scenario = uas_scenario(tmp_path / f"{mode}.xml", mode=mode, digit=key or "1")
    number, outbound = survey_call(context, users, queue, tmp_path, scenario)
    visit = visit_of(context, number)
    assert attempts_of(context, visit.id) == [("call", outcome)]
    (result,) = outbound.results
    if key:  # 4 = 不满意, pressed (SIP INFO) while the case number is spoken: the case is reopened with 再督办
        assert (visit.status, visit.rating) == ("done", 2)
        assert ticket_of(context, number).reopen_count == 1
        assert call_row(context, visit.id) == ("answered", "4", None)
        assert result.played[0] == "survey_intro" and result.played[-1] == "survey_thanks"
    else:  # retried later, inside the allowed hours
        assert visit.status == "due" and visit.rating is None and visit.call_attempts == 1
        assert result.played == ()


def test_invalid_key_then_valid_key_by_rfc2833(context, users, queue, tmp_path):
    # the opening (intro, 13 digits, "has been handled", the question) lasts 16 × 0.3 s: 9 barges in at 1 s,
    # the invalid-key prompt and the question again take 0.6 s, then 2 (满意) is pressed while waiting
    pcap = call_pcap(tmp_path / "keys.pcap", seconds=8.0, keys=[(1.0, "9"), (3.0, "2")], event_pt=TELEPHONE_EVENT)
    number, outbound = survey_call(context, users, queue, tmp_path, uas_rfc2833(tmp_path / "party.xml", pcap))
    visit = visit_of(context, number)
    assert (visit.status, visit.rating, visit.channel) == ("done", 4, "call")
    assert ticket_of(context, number).satisfaction == "satisfied"
    assert call_row(context, visit.id) == ("answered", "2", "invalid keys: 1")
    (result,) = outbound.results
    assert result.invalid_keys == 1
    played = list(result.played)
    assert played[0] == "survey_intro" and played[1:3] == list(spoken_case(number)[:2])
    assert played[-3:] == ["survey_invalid", "survey_keys", "survey_thanks"]
    assert "survey_case_done" not in played  # the 9 cut the opening short
    # the thanks played to its end before the dialer hung up: the call lasted past the second key + thanks
    assert outbound.seconds[0] >= 3.0 + PROMPT_SECONDS


def test_only_invalid_keys_give_no_rating_and_a_recorded_attempt(context, users, queue, tmp_path):
    pcap = call_pcap(tmp_path / "keys.pcap", seconds=8.0, keys=[(1.0, "9"), (2.5, "0")], event_pt=TELEPHONE_EVENT)
    number, outbound = survey_call(context, users, queue, tmp_path, uas_rfc2833(tmp_path / "party.xml", pcap), tries=2)
    visit = visit_of(context, number)
    assert visit.status == "due" and visit.rating is None and visit.call_attempts == 1
    assert call_row(context, visit.id) == ("answered", None, "no valid key (invalid keys: 2)")
    assert ticket_of(context, number).satisfaction is None
    (result,) = outbound.results
    assert (result.outcome, result.digit, result.invalid_keys) == ("answered", None, 2)
    assert result.played[-3:] == ("survey_invalid", "survey_keys", "survey_goodbye")
    assert "survey_thanks" not in result.played


@pytest.mark.skipif(BARESIP is None, reason="needs baresip")
def test_baresip_answers_and_presses_keys(context, users, queue, tmp_path):
    """baresip auto-answers the survey call; its console presses 9 (invalid) and then 3 (基本满意), sent as
    RFC 2833 events."""
    conf = tmp_path / "baresip"
    conf.mkdir()
    sip, console, rtp = free_port(), free_port(), free_port(100)
    (conf / "config").write_text(
        f"poll_method epoll\nsip_listen 127.0.0.1:{sip}\naudio_player aubridge,nil\naudio_alert aubridge,nil\n"
        f"audio_source aubridge,nil\naudio_srate 8000\naudio_channels 1\nrtp_ports {rtp}-{rtp + 99}\n"
        "module_path /usr/lib/baresip/modules\nmodule stdio.so\nmodule cons.so\nmodule g711.so\n"
        f"module aubridge.so\nmodule_app account.so\nmodule_app menu.so\ncons_listen 127.0.0.1:{console}\n")
    (conf / "accounts").write_text("<sip:13812345678@127.0.0.1>;regint=0;answermode=auto\n")  # the case's caller
    (conf / "contacts").write_text("")
    log_path = tmp_path / "baresip.log"
    with log_path.open("wb") as log:
        party = subprocess.Popen([BARESIP, "-f", str(conf), "-t", "40"], stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)

    def press() -> None:
        if wait_for(lambda: "Call established" in log_path.read_text(errors="replace"), 30):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for delay, key in ((0.5, b"9"), (1.5, b"3")):
                    time.sleep(delay)
                    udp.sendto(key, ("127.0.0.1", console))

    presser = threading.Thread(target=press, daemon=True)
    try:
        wait_for(lambda: "baresip is ready" in log_path.read_text(errors="replace"), 10)
        presser.start()
        number, outbound = _sweep_one(context, users, queue, sip, tries=3)
        presser.join(35)
    finally:
        if party.poll() is None:
            os.killpg(party.pid, 9)
            party.wait(5)
    text = log_path.read_text(errors="replace")
    assert "send DTMF digit: '9'" in text and "send DTMF digit: '3'" in text
    visit = visit_of(context, number)
    assert (visit.status, visit.rating) == ("done", 3) and ticket_of(context, number).satisfaction == "basically_satisfied"
    assert call_row(context, visit.id) == ("answered", "3", "invalid keys: 1")
    (result,) = outbound.results
    assert result.played[0] == "survey_intro" and result.played[-3:] == ("survey_invalid", "survey_keys",
                                                                          "survey_thanks")
