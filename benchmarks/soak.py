"""Soak benchmark: repeated typed interviews through the API for a set time, watching the server for leaks.

Run: `PYTHONPATH=src python benchmarks/soak.py [--minutes 20] [--full]`. It starts `greenroom serve` as
its own process on a temporary data directory (the real packaged models), then runs typed interviews one
after another over HTTP and the WebSocket: create, hello, answer each question, wait for the report,
read it, delete it. Every `--every` seconds it prints the server's RSS and open file descriptors; at the
end it prints the least-squares slope of each over time (after the first `--warmup` minutes, while the
models load), so a leak shows as a slope well above zero.

By default follow-ups and the LLM rubric are off (`--full` keeps the configured ones): the loop then
exercises the server, sockets, storage, TTS and embeddings many times a minute. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "soak-token-0123456789"
ANSWERS = [
    "I split the work into small services and measured every release before rolling it out further.",
    "I would add an index on the filtered column and check the query plan with EXPLAIN.",
    "We wrote a reconciliation job that compared both databases every night until they matched.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, full: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "HF_HUB_OFFLINE": "1",
        "GREENROOM_DATA_DIR": str(data_dir),
        "GREENROOM_SERVER_TOKEN": TOKEN,
        "GREENROOM_SERVER_PORT": str(port),
        "GREENROOM_LOG_LEVEL": "warning",
    }
    env.setdefault("GREENROOM_MODELS_DIR", str(Path.home() / ".local/share/greenroom/models"))
    if not full:
        env |= {"GREENROOM_INTERVIEW_MAX_FOLLOW_UPS": "0", "GREENROOM_INTERVIEW_RUBRIC": "false"}
    cmd = [sys.executable, "-c", "from greenroom.cli import main; main()", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: the server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/api/status", headers=auth(), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("error: the server did not answer within 5 minutes")


def auth() -> dict[str, str]:
    return {"authorization": f"Bearer {TOKEN}"}


def events(ws: Any, until: str) -> dict[str, Any]:
    while True:
        msg = ws.recv(timeout=600)
        if isinstance(msg, bytes):
            continue
        ev = json.loads(msg)
        if ev["type"] == "error":
            raise RuntimeError(f"error event: {ev}")
        if ev["type"] == until:
            return dict(ev)


def interview(base: str, port: int, questions: int) -> None:
    r = httpx.post(
        f"{base}/api/interviews",
        json={"questions": questions, "voice": False, "camera": False, "consent": True},
        headers=auth(),
        timeout=120,
    )
    r.raise_for_status()
    sid = r.json()["id"]
    with connect(f"ws://127.0.0.1:{port}/api/interviews/{sid}/live", additional_headers=auth(), max_size=None) as ws:
        ws.send(json.dumps({"type": "hello", "voice": False, "camera": False}))
        events(ws, "ready")
        for i in range(questions * 3):  # follow-ups (with --full) add turns
            q = events(ws, "question")
            if q.get("done"):
                break
            events(ws, "audio_end")
            ws.send(json.dumps({"type": "playback_done"}))
            events(ws, "listening")
            ws.send(json.dumps({"type": "answer_text", "text": ANSWERS[i % len(ANSWERS)]}))
        events(ws, "finished")
    report = httpx.get(f"{base}/api/sessions/{sid}", headers=auth(), timeout=60).json()["report"]
    if not report:
        raise RuntimeError(f"session {sid} has no report")
    httpx.delete(f"{base}/api/sessions/{sid}", headers=auth(), timeout=60).raise_for_status()


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0 with fewer than two points)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=20.0, help="how long to run (default 20)")
    ap.add_argument("--every", type=float, default=15.0, help="seconds between samples (default 15)")
    ap.add_argument("--warmup", type=float, default=1.0, help="minutes left out of the slope (default 1)")
    ap.add_argument("--questions", type=int, default=2, help="questions per interview (default 2)")
    ap.add_argument("--full", action="store_true", help="keep the configured follow-ups and LLM rubric")
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="greenroom-soak-") as tmp:
        proc = start_server(Path(tmp), port, args.full)
        try:
            wait_up(base, proc)
            server = psutil.Process(proc.pid)
            t0 = time.monotonic()
            samples: list[tuple[float, float, int, int]] = []  # (minutes, RSS MiB, fds, interviews)
            counts = {"done": 0, "failed": 0}
            stop = threading.Event()

            def sample() -> None:  # on its own clock: an interview may take longer than --every
                while True:
                    rss, fds = server.memory_info().rss / 2**20, server.num_fds()
                    samples.append(((time.monotonic() - t0) / 60, rss, fds, counts["done"]))
                    print(f"{samples[-1][0]:6.1f} {rss:9.1f} {fds:5d} {counts['done']:10d}", flush=True)
                    if stop.wait(args.every):
                        return

            print(f"{'min':>6} {'RSS MiB':>9} {'fds':>5} {'interviews':>10}")
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            while time.monotonic() - t0 < args.minutes * 60:
                try:
                    interview(base, port, args.questions)
                    counts["done"] += 1
                except Exception as exc:  # counted and shown; the soak goes on
                    counts["failed"] += 1
                    print(f"interview failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            stop.set()
            sampler.join()
            done, failed = counts["done"], counts["failed"]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    kept = [s for s in samples if s[0] >= args.warmup] or samples
    t = [s[0] / 60 for s in kept]  # hours
    rss_slope = slope(t, [s[1] for s in kept])
    fd_slope = slope(t, [float(s[2]) for s in kept])
    mode = "full (configured follow-ups and rubric)" if args.full else "typed, no follow-ups, no LLM rubric"
    print(f"\nsoak: {done} interviews ({failed} failed) in {args.minutes:g} min, {mode}")
    print(f"RSS slope after {args.warmup:g} min warm-up: {rss_slope:+.1f} MiB/hour (baseline: 0, no leak)")
    print(f"open-fd slope: {fd_slope:+.1f} fds/hour (baseline: 0)")
    print(f"RSS {kept[0][1]:.0f} -> {kept[-1][1]:.0f} MiB, fds {kept[0][2]} -> {kept[-1][2]} over the kept samples")


if __name__ == "__main__":
    main()
