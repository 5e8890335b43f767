"""The egress guard: refuses every non-loopback network connection made by this process.

On by default (`GREENROOM_EGRESS_GUARD`). It wraps `socket.socket.connect`/`connect_ex`, which every
Python networking library (httpx, urllib, asyncio, huggingface_hub) goes through. Loopback and Unix
sockets pass; so do hosts the user configured in `GREENROOM_ALLOWED_HOSTS` (e.g. a LAN vLLM server).
Each refused attempt is logged (address only) and counted.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Iterable
from typing import Any

from greenroom.errors import EgressBlockedError

log = logging.getLogger("greenroom.netguard")
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_state: dict[str, Any] = {"installed": False, "allowed_ips": set(), "refused": 0}
_lock = threading.Lock()


def _is_allowed(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return host in ("localhost",) or host in _state["allowed_ips"]
    return ip.is_loopback or str(ip) in _state["allowed_ips"]


def _refuse(address: Any) -> EgressBlockedError:
    with _lock:
        _state["refused"] += 1
    log.warning("egress guard refused a connection to %s", address[0] if isinstance(address, tuple) else address)
    return EgressBlockedError(
        f"Blocked a network connection to {address[0]}: Greenroom only talks to this machine.",
        hint="To use a server on your network, add it to GREENROOM_ALLOWED_HOSTS.",
    )


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_allowed(address):
        raise _refuse(address)
    return _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_allowed(address):
        _refuse(address)
        return 111  # ECONNREFUSED
    return _original_connect_ex(self, address)


def _resolve(hosts: Iterable[str]) -> set[str]:
    ips: set[str] = set()
    for host in hosts:
        ips.add(host)
        try:
            ips.update(str(info[4][0]) for info in socket.getaddrinfo(host, None))
        except OSError:
            log.warning("egress guard: cannot resolve allowed host %s", host)
    return ips


def install(allowed_hosts: Iterable[str] = ()) -> None:
    """Turn the guard on for this process (idempotent); `allowed_hosts` are names or IPs."""
    with _lock:
        _state["allowed_ips"] = _resolve(allowed_hosts)
        if _state["installed"]:
            return
        socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
        _state["installed"] = True


def uninstall() -> None:
    with _lock:
        socket.socket.connect = _original_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign,assignment]
        _state["installed"] = False


def refused_count() -> int:
    """How many connections the guard has refused in this process."""
    return int(_state["refused"])


def is_installed() -> bool:
    return bool(_state["installed"])
