"""SIPp scenarios for the telephony tests: a calling party (UAC) with steps, a called party (UAS), and running SIPp."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.ports_support import free_port

SIPP = shutil.which("sipp")

_INVITE = """INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""


_IN_DIALOG = """{method} [next_url] SIP/2.0
[routes]
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} {method}
Contact: <sip:{caller}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
{extra}Content-Length: [len]

{body}"""


def _send(text: str, retrans: bool = True) -> str:
    attr = ' retrans="500"' if retrans else ""
    return f"<send{attr}><![CDATA[\n{text.strip(chr(10))}\n\n]]></send>\n"


def scenario(path: Path, *, caller: str, steps: list[tuple], answer: bool = True) -> Path:
    """A UAC scenario: INVITE, then after the 200/ACK the steps in order:
    ("pcap", file) start the caller's RTP; ("pause", ms); ("info", key) SIP INFO DTMF; ("bye",) hang up;
    ("wait_bye", ms) wait for the service to hang up and answer 200; ("hold",) / ("resume",) re-INVITE.
    With answer=False the caller CANCELs while it rings and expects 487."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="hotline test call">\n',
           _send(_INVITE.format(caller=caller)),
           '<recv response="100" optional="true"/>\n']
    if not answer:
        xml += ['<recv response="180"/>\n',
                _send(_IN_DIALOG.format(method="CANCEL", caller=caller, cseq=1, extra="", body="")
                      .replace("[next_url]", "sip:[service]@[remote_ip]:[remote_port]").replace("[routes]\n", "")
                      .replace("[last_To:]", "To: <sip:[service]@[remote_ip]:[remote_port]>")
                      .replace("branch=[branch]", "branch=z9hG4bK-[pid]-[call_number]-inv")),
                '<recv response="200"/>\n<recv response="487"/>\n',
                _send(_ack(caller, branch="z9hG4bK-[pid]-[call_number]-inv", cancel=True), retrans=False),
                "</scenario>\n"]
        path.write_text("".join(xml).replace("[branch]", "z9hG4bK-[pid]-[call_number]-inv", 1))
        return path
    xml += ['<recv response="180" optional="true"/>\n', '<recv response="200" rrs="true" rtd="true"/>\n',
            _send(_ack(caller), retrans=False)]
    cseq = 2
    for step in steps:
        kind = step[0]
        if kind == "pcap":
            xml.append(f'<nop><action><exec play_pcap_audio="{step[1]}"/></action></nop>\n')
        elif kind == "pause":
            xml.append(f'<pause milliseconds="{int(step[1])}"/>\n')
        elif kind == "info":
            body = f"Signal={step[1]}\nDuration=160\n"
            xml.append(_send(_IN_DIALOG.format(method="INFO", caller=caller, cseq=cseq, body=body,
                                               extra="Content-Type: application/dtmf-relay\n")))
            xml.append('<recv response="200"/>\n')
            cseq += 1
        elif kind in ("hold", "resume"):
            sdp = _INVITE.split("\n\n", 1)[1]
            if kind == "hold":
                sdp += "a=sendonly\n"
            xml.append(_send(_IN_DIALOG.format(method="INVITE", caller=caller, cseq=cseq, body=sdp,
                                               extra="Content-Type: application/sdp\n")))
            xml.append('<recv response="100" optional="true"/>\n<recv response="200"/>\n')
            xml.append(_send(_ack(caller, cseq=cseq), retrans=False))
            cseq += 1
        elif kind == "bye":
            xml.append(_send(_IN_DIALOG.format(method="BYE", caller=caller, cseq=cseq, extra="", body="")))
            xml.append('<recv response="200"/>\n')
            cseq += 1
        elif kind == "wait_bye":
            xml.append(f'<recv request="BYE" timeout="{int(step[1])}"/>\n')
            xml.append(_send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n"
                             "[last_CSeq:]\nContent-Length: 0\n", retrans=False))
        else:
            raise ValueError(kind)
    xml.append("</scenario>\n")
    path.write_text("".join(xml))
    return path


def _ack(caller: str, *, cseq: int = 1, branch: str = "[branch]", cancel: bool = False) -> str:
    if cancel:
        return (f"ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0\nVia: SIP/2.0/[transport] "
                f"[local_ip]:[local_port];branch={branch}\n"
                f'From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]\n[last_To:]\n'
                f"Call-ID: [call_id]\nCSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0\n")
    return (f"ACK [next_url] SIP/2.0\n[routes]\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}\n"
            f'From: "caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]hl[call_number]\n[last_To:]\n'
            f"Call-ID: [call_id]\nCSeq: {cseq} ACK\nContact: <sip:{caller}@[local_ip]:[local_port];"
            f"transport=[transport]>\nMax-Forwards: 70\nContent-Length: 0\n")


def run_sipp(scenario_path: Path, target: str, *, workdir: Path, transport: str = "u1", calls: int = 1,
             timeout: float = 60.0, extra: list[str] = ()) -> subprocess.CompletedProcess:
    """Run SIPp as a UAC against `target` (host:port); returns the finished process (bounded)."""
    port, media = free_port(), free_port(4)   # SIPp takes media..media+3 (audio and video RTP/RTCP)
    cmd = [SIPP, target, "-sf", str(scenario_path), "-m", str(calls), "-l", str(calls), "-r", str(calls),
           "-t", transport, "-i", "127.0.0.1", "-p", str(port), "-mp", str(media), "-s", "12345",
           "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error", "-trace_err",
           "-error_file", str(workdir / f"sipp-{port}.err"), *extra]
    return subprocess.run(cmd, check=False, cwd=workdir, capture_output=True, text=True, timeout=timeout + 15)


_UAS_SDP = """v=0
o=callee 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""


_REPLY = "SIP/2.0 {code}\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]uas[call_number]\n[last_Call-ID:]\n[last_CSeq:]\n"


def uas_scenario(path: Path, *, mode: str, digit: str = "5", delay_ms: int = 1500) -> Path:
    """A called party for outbound tests. mode "answer": 200, then after `delay_ms` a SIP INFO key, then the
    caller's BYE; "busy": 486; "ring": 180 until the caller CANCELs (200 + 487)."""
    capture = ('<action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>'
               '<ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/></action>')
    xml = [('<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="hotline called party">\n'
            f'<recv request="INVITE" rrs="true">{capture if mode == "answer" else ""}</recv>\n')]
    if mode == "busy":
        xml += [_send(_REPLY.format(code="486 Busy Here") + "Content-Length: 0\n", retrans=False),
                '<recv request="ACK"/>\n']
    elif mode == "ring":
        xml += [_send(_REPLY.format(code="180 Ringing") + "Content-Length: 0\n", retrans=False),
                '<recv request="CANCEL"/>\n',
                _send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
                      "Content-Length: 0\n", retrans=False),
                _send("SIP/2.0 487 Request Terminated\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]uas[call_number]\n"
                      "[last_Call-ID:]\nCSeq: [cseq] INVITE\nContent-Length: 0\n", retrans=False),
                '<recv request="ACK"/>\n']
    else:
        xml += [_send(_REPLY.format(code="200 OK") + "Contact: <sip:callee@[local_ip]:[local_port]>\n"
                      "Content-Type: application/sdp\nContent-Length: [len]\n\n" + _UAS_SDP, retrans=False),
                '<recv request="ACK"/>\n', f'<pause milliseconds="{delay_ms}"/>\n',
                _send("INFO [next_url] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
                      "From: [$callee];tag=[pid]uas[call_number]\nTo: [$caller]\n[last_Call-ID:]\nCSeq: 1 INFO\nMax-Forwards: 70\n"
                      "Contact: <sip:callee@[local_ip]:[local_port]>\nContent-Type: application/dtmf-relay\n"
                      f"Content-Length: [len]\n\nSignal={digit}\nDuration=160\n"),
                '<recv response="200"/>\n<recv request="BYE"/>\n',
                _send("SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
                      "Content-Length: 0\n", retrans=False)]
    xml.append("</scenario>\n")
    path.write_text("".join(xml))
    return path
