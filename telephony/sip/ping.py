"""A SIP OPTIONS probe over UDP (plain sockets, no pjsua2): used by health checks and tests."""

from __future__ import annotations

import secrets
import socket


def options_status(port: int, host: str = "127.0.0.1", *, timeout: float = 1.0) -> int | None:
    """Status code of an OPTIONS sent to host:port, or None when nothing answers within `timeout`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((host, port))
        local_host, local_port = sock.getsockname()[:2]
        tag = secrets.token_hex(4)
        message = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {local_host}:{local_port};branch=z9hG4bK{tag}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@{local_host}>;tag={tag}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: probe-{tag}@{local_host}\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        try:
            sock.send(message.encode())
            data = sock.recv(65535).decode(errors="replace")
        except OSError:
            return None
    parts = data.split(" ", 2)
    if len(parts) > 1 and parts[0] == "SIP/2.0" and parts[1].isdigit():
        return int(parts[1])
    return None
