"""Whether a host name or address is this machine's loopback: what the explorer may serve on
without a token, and where the mailer may send a password without TLS."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
