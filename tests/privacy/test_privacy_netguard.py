"""The egress guard: non-loopback connections are refused and logged; configured hosts pass."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from greenroom.errors import EgressBlockedError
from greenroom.privacy import netguard


@pytest.fixture
def guard() -> Iterator[None]:
    was = netguard.is_installed()
    netguard.install()
    yield
    if not was:
        netguard.uninstall()


def test_non_loopback_refused_and_logged(guard: None, caplog: pytest.LogCaptureFixture) -> None:
    before = netguard.refused_count()
    with caplog.at_level(logging.WARNING, logger="greenroom.netguard"), socket.socket() as s:
        s.settimeout(1)
        with pytest.raises(EgressBlockedError, match="Blocked a network connection to 192.0.2.10"):
            s.connect(("192.0.2.10", 80))
        assert s.connect_ex(("198.51.100.7", 443)) != 0
    assert netguard.refused_count() == before + 2
    assert "refused a connection to 192.0.2.10" in caplog.text and "198.51.100.7" in caplog.text


def test_blocked_error_is_a_connection_error(guard: None) -> None:
    import urllib.request

    with pytest.raises((EgressBlockedError, OSError)):
        urllib.request.urlopen("http://192.0.2.44/", timeout=1)


def test_allowed_hosts_pass(guard: None) -> None:
    netguard.install(["192.0.2.10"])
    try:
        assert netguard._is_allowed(("192.0.2.10", 8000))
        assert not netguard._is_allowed(("192.0.2.11", 8000))
    finally:
        netguard.install([])
    assert not netguard._is_allowed(("192.0.2.10", 8000))
