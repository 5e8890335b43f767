"""The egress guard: non-loopback connections are refused and logged; loopback and configured hosts pass."""

from __future__ import annotations

import logging
import socket
import threading
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


def test_loopback_passes(guard: None) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepter = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
    accepter.start()
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    accepter.join(5)
    server.close()


def test_allowed_hosts_pass(guard: None) -> None:
    netguard.install(["192.0.2.10"])
    try:
        assert netguard._is_allowed(("192.0.2.10", 8000))
        assert not netguard._is_allowed(("192.0.2.11", 8000))
    finally:
        netguard.install([])
    assert not netguard._is_allowed(("192.0.2.10", 8000))
