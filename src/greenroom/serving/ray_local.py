"""A throwaway one-node Ray cluster on loopback (`ray start --head --block` in its own process group, bounded
memory, token authentication off because it listens on 127.0.0.1 only), stopped with its whole process group
afterwards. For trying `greenroom serve --engine ray` on one machine: the benchmarks and the Ray tests use it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies, left to a PID 1 that may not reap, do not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the head and everything it started: they share its process group (`start_new_session`).
    Scoped like this rather than `ray stop`, which stops every Ray cluster of this user on the machine."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):  # a throwaway cluster: no long grace
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + grace
        while time.monotonic() < end:
            proc.poll()
            if not group_alive(proc.pid):
                return
            time.sleep(0.1)


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def local_ray(num_cpus: int = 4, log_path: Path | None = None) -> Iterator[str]:
    """Start the head; yields its address (`127.0.0.1:PORT`). Sets RAY_AUTH_MODE=disabled for this process
    (and the children it starts), as the head has it."""
    port = free_port()
    temp = Path("/tmp") / f"ray-bench-{os.getpid()}"  # short: Ray's socket paths have a length limit
    cmd = [
        str(Path(sys.executable).parent / "ray"), "start", "--head", "--block",
        "--node-ip-address=127.0.0.1", f"--port={port}", f"--num-cpus={num_cpus}",
        "--object-store-memory=100000000", "--include-dashboard=false", "--disable-usage-stats",
        f"--temp-dir={temp}", f"--ray-client-server-port={free_port()}",
        f"--node-manager-port={free_port()}", f"--object-manager-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}", f"--metrics-export-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
    ]  # fmt: skip
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")
    log = open(log_path or os.devnull, "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        end = time.monotonic() + 90
        while proc.poll() is None and not _accepts(port):
            if time.monotonic() > end:
                raise RuntimeError("the Ray head did not listen within 90 s")
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError("ray start failed")
        yield f"127.0.0.1:{port}"
    finally:
        stop_group(proc)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)
