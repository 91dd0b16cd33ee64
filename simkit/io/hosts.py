"""Which addresses are this machine only.

The kit's servers (the dashboard and the workshop) listen on ``127.0.0.1`` unless told
otherwise, and when they do they refuse requests whose ``Host`` header names anything but
this machine (a guard against DNS rebinding). Both ask the same question:

>>> is_local("127.0.0.1"), is_local("::1"), is_local("localhost"), is_local("0.0.0.0")
(True, True, True, False)
"""

from __future__ import annotations

import ipaddress

__all__ = ["is_local"]


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine only (a loopback address or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
