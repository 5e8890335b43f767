"""No egress: the egress guard refuses non-loopback connections, and a CLI command works end to end
with the network taken away (a network namespace with only loopback)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.errors import EgressBlockedError
from greenroom.privacy import netguard


@pytest.fixture
def guard() -> Iterator[None]:
    netguard.install()
    yield
    netguard.uninstall()


def test_guard_refuses_non_loopback(guard: None) -> None:
    before = netguard.refused_count()
    with socket.socket() as s, pytest.raises(EgressBlockedError, match="10.255.255.1"):
        s.connect(("10.255.255.1", 80))
    with socket.socket() as s:
        assert s.connect_ex(("192.0.2.1", 443)) != 0
    assert netguard.refused_count() == before + 2


def test_guard_lets_loopback_through(guard: None) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    t = threading.Thread(target=lambda: srv.accept()[0].close(), daemon=True)
    t.start()
    with socket.socket() as c:
        c.connect(("127.0.0.1", port))
    t.join(5)
    srv.close()


def test_allowed_hosts_pass(guard: None) -> None:
    netguard.install(["10.255.255.1"])
    assert netguard._is_allowed(("10.255.255.1", 80))
    assert not netguard._is_allowed(("10.255.255.2", 80))


def _netns_ok() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
def test_cli_works_end_to_end_without_network(tmp_path: Path, model_dir: Path) -> None:
    """The interviewer demo runs on the embedded model with every non-loopback route gone."""
    env = os.environ | {
        "GREENROOM_DATA_DIR": str(tmp_path),
        "GREENROOM_MODELS_DIR": str(model_dir),
        "GREENROOM_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-c", "from greenroom.cli import main; main()", "demo", "--preset", "qwen2.5-coder-0.5b"]
    if _netns_ok():
        cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "sh", *cmd]
    else:  # not root: the in-process guard alone (it is on in every greenroom process)
        assert os.geteuid() != 0, "unshare -n must work as root (CI runs as root)"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "?" in out.stdout  # the interviewer asked a question
    assert "egress guard refused" not in out.stderr  # and nothing even tried to leave the machine
