"""The one pjsua2 endpoint of a process: library init, transports, codecs, media, account, threading rules.

Used by the inbound worker (telephony/sip/worker.py) and the outbound dialer (telephony/sip/outbound.py).
Threading (see NOTES.md): the library runs with threadCnt=0 and mainThreadOnly, so the thread that opens
the endpoint owns every pjsua2 object and loops `poll()`; pjsua2 callbacks only copy data into a queue that
this thread drains. Media: 8 kHz mono, no sound device, no echo canceller, G.711 only (PCMU before PCMA).
Close it with `close()` on the same thread once no call object is referenced any more.
"""

from __future__ import annotations

from dataclasses import dataclass

import pjsua2 as pj

from hotline.settings import Settings

USER_AGENT = "hotline12345"
CODEC_PRIORITY = {"PCMU/8000/1": 255, "PCMA/8000/1": 254}   # every other codec is disabled (0)


@dataclass(frozen=True)
class EndpointConfig:
    host: str                        # where SIP and RTP are bound
    public_address: str | None       # what SIP and SDP advertise behind NAT
    identity: str                    # the account's SIP URI
    sip_port: int = 0                # 0: any free port (a dialer)
    tcp: bool = False                # listen on TCP as well as UDP
    max_calls: int = 1
    rtp_port: int = 0                # first RTP port; 0: any
    rtp_range: int = 0               # RTP ports from rtp_port on that this endpoint may use

    @classmethod
    def inbound(cls, settings: Settings, *, port: int, rtp_port: int, rtp_range: int = 1000) -> EndpointConfig:
        """A worker answering calls on `port` (UDP and TCP), RTP from `rtp_port`."""
        return cls(host=settings.sip_host, public_address=settings.sip_public_address,
                   identity=f"sip:hotline@{settings.sip_host}:{port}", sip_port=port, tcp=True,
                   max_calls=settings.sip_max_calls, rtp_port=rtp_port, rtp_range=rtp_range)

    @classmethod
    def outbound(cls, settings: Settings) -> EndpointConfig:
        """A dialer placing one call from any free UDP port, RTP where SIP is (as the workers do)."""
        return cls(host=settings.sip_host, public_address=settings.sip_public_address,
                   identity=f"sip:12345@{settings.sip_public_address or settings.sip_host}")


class SipEndpoint:
    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.ep: pj.Endpoint | None = None
        self.account: pj.Account | None = None

    def open(self, account: pj.Account) -> None:
        """Start the library and register `account` (a pj.Account, or a subclass that takes incoming calls)."""
        c = self.config
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = c.max_calls
        cfg.uaConfig.userAgent = USER_AGENT
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.channelCount = 1
        cfg.medConfig.maxMediaPorts = 8 * c.max_calls + 8
        cfg.medConfig.ecTailLen = 0
        self.ep.libInit(cfg)
        for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP) if c.tcp else (pj.PJSIP_TRANSPORT_UDP,):
            tcfg = pj.TransportConfig()
            tcfg.port = c.sip_port
            tcfg.boundAddress = c.host
            if c.public_address:
                tcfg.publicAddress = c.public_address
            self.ep.transportCreate(kind, tcfg)
        self.ep.audDevManager().setNullDev()
        for codec in self.ep.codecEnum2():
            self.ep.codecSetPriority(codec.codecId, CODEC_PRIORITY.get(codec.codecId, 0))
        self.ep.libStart()
        acfg = pj.AccountConfig()
        acfg.idUri = c.identity
        rtp = acfg.mediaConfig.transportConfig
        rtp.boundAddress = c.host
        if c.rtp_port:
            rtp.port, rtp.portRange = c.rtp_port, c.rtp_range
        if c.public_address:
            rtp.publicAddress = c.public_address
        account.create(acfg, True)
        self.account = account

    def poll(self, ms: int) -> None:
        """Run pjsua2's timers and network events for up to `ms` milliseconds (the owning thread only)."""
        self.ep.libHandleEvents(ms)

    def hangup_all(self) -> None:
        try:
            self.ep.hangupAllCalls()
        except pj.Error:
            pass

    def close(self) -> None:
        """Unregister the account and destroy the library (no pjsua2 object may outlive this)."""
        if self.account is not None:
            self.account.shutdown()
            self.account = None
        if self.ep is not None:
            self.ep.libDestroy()
            self.ep = None
