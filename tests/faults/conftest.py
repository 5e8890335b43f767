"""Fault fixtures: a small tmpfs to fill (root only, as CI runs), a real PostgreSQL server to stop and start
again (tests/storage/pg_testserver.py), an app on either, and a typed-interview driver over the socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
from pg_testserver import pg_server  # noqa: E402, F401 (the session fixture)

TOKEN = "fault-token-0123456789"
BASE = "http://127.0.0.1:8000"
WS = "ws://127.0.0.1:8000"


@pytest.fixture
def tmpfs(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh tmpfs of `size` (default 8 MiB; parametrise indirectly to change it), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs and needs root (CI runs as root)", pytrace=False)
    size = getattr(request, "param", "8m")
    mnt = Path(tempfile.mkdtemp(prefix="greenroom-tmpfs-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        mnt.rmdir()


def fill(mnt: Path) -> Path:
    """Fill the file system until ENOSPC; returns the filler file (delete it to make space again)."""
    filler = mnt / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


def until(ws: Any, kind: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    """Read events (skipping audio) until one of `kind`; every event is kept in `seen`; fail on an error."""
    for _ in range(5000):
        msg = ws.receive()
        if msg.get("text") is None:
            continue
        ev = json.loads(msg["text"])
        seen.append(ev)
        assert ev["type"] != "error", ev
        if ev["type"] == kind:
            return dict(ev)
    raise AssertionError(f"no {kind} event")


def answer(ws: Any, text: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    until(ws, "audio_end", seen)
    ws.send_json({"type": "playback_done"})
    until(ws, "listening", seen)
    ws.send_json({"type": "answer_text", "text": text})
    return until(ws, "question", seen)
