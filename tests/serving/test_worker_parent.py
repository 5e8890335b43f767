"""A pool worker never outlives its server: a parent killed by SIGKILL takes its worker processes with it.
No model is loaded: the child runs the same parent watch that `worker_main` starts first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.serving.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # exited; a zombie waits only for its new parent to reap it


def test_a_worker_exits_when_its_server_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    parent = subprocess.Popen(
        [sys.executable, "-c", "from tests.serving.orphan_parent import main; main()"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        wait_for(lambda: not _gone(child), 5, "the worker to start")
        os.kill(parent.pid, signal.SIGKILL)  # no cleanup, no atexit: only the child's watch can notice
        parent.wait(timeout=5)
        wait_for(lambda: _gone(child), 5, "the orphaned worker to exit")
    finally:
        parent.kill()
        parent.wait(timeout=5)
        if child and not _gone(child):
            os.kill(child, signal.SIGKILL)
