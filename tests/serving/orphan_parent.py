"""A stand-in server for the parent-death test: spawns one child that runs the pool worker's parent watch,
prints the child's pid, then waits to be killed. Run as `python -c "...orphan_parent import main; main()"`."""

from __future__ import annotations

import multiprocessing as mp
import sys
import time

from greenroom.serving.worker import watch_parent


def child() -> None:
    watch_parent(poll_s=0.2)
    time.sleep(120)  # a worker busy loading or generating: only the watch can end it early


def main() -> None:
    proc = mp.get_context("spawn").Process(target=child, daemon=True)
    proc.start()
    print(proc.pid, flush=True)
    sys.stdin.read()  # until the test kills us
