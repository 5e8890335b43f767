"""`greenroom serve --engine ray --ray-address ADDR`, end to end: the real CLI on a real loopback Ray cluster.

Run: PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/serve_ray.py [--preset qwen2.5-coder-0.5b] [--timeout-s 600]

Starts a throwaway Ray head on 127.0.0.1 (`greenroom.serving.ray_local`), then `greenroom serve --engine ray
--ray-address ADDR --min-workers 1 --max-workers 1` as a subprocess (a fresh data directory, a known token),
waits until /api/status says the Ray engine runs, holds one typed interview through the API and the WebSocket
(`benchmarks/load.py`'s client) and checks that it finished with no error and no lost answer; then stops the
server (SIGINT, as Ctrl-C) and the cluster. Prints how long each step took. This is the end-to-end check of the
CLI path: it does not fit the test suite's time budget (the three Ray Serve applications load two LLM
replicas and Whisper), so it is a script; `tests/serving/test_ray.py` tests the engine itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = "serve-ray-benchmark-token-0123456789"


def status(port: int) -> dict[str, object] | None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", headers={"authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310 (loopback)
            return dict(json.loads(r.read()))
    except OSError:
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="qwen2.5-coder-0.5b")
    ap.add_argument("--timeout-s", type=float, default=600.0)
    args = ap.parse_args()

    from benchmarks.load import Result, interview

    from greenroom.config import default_data_dir
    from greenroom.serving.ray_local import free_port, local_ray

    work = Path(tempfile.mkdtemp(prefix="greenroom-serve-ray-"))
    models = os.environ.get("GREENROOM_MODELS_DIR") or str(default_data_dir() / "models")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    t0 = time.monotonic()
    with local_ray(log_path=work / "ray.log") as address:
        print(f"ray head at {address} after {time.monotonic() - t0:.1f} s", flush=True)
        port = free_port()
        env = {
            **os.environ,
            "GREENROOM_DATA_DIR": str(work / "data"),
            "GREENROOM_CONFIG_FILE": str(work / "none.toml"),
            "GREENROOM_MODELS_DIR": models,
            "GREENROOM_LLM_PRESET": args.preset,
            "GREENROOM_LLM_MAX_TOKENS": "64",
            "GREENROOM_INTERVIEW_MAX_FOLLOW_UPS": "0",
            "GREENROOM_SERVER_TOKEN": TOKEN,
            "GREENROOM_SERVING_RAY_APP": f"gr-serve-{os.getpid()}",
            "HF_HUB_OFFLINE": "1",
        }
        cmd = [
            str(Path(sys.executable).parent / "greenroom"), "serve", "--engine", "ray", "--ray-address", address,
            "--port", str(port), "--min-workers", "1", "--max-workers", "1",
        ]  # fmt: skip
        print("$", " ".join(cmd[1:]), flush=True)
        t1 = time.monotonic()
        server = subprocess.Popen(cmd, env=env, stdout=open(work / "serve.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        ok = False
        try:
            end = time.monotonic() + args.timeout_s
            st = None
            while time.monotonic() < end and server.poll() is None:
                st = status(port)
                if st is not None:
                    break
                time.sleep(1)
            if st is None:
                print(f"error: the server did not answer (exit {server.poll()}); see {work / 'serve.log'}")
                return 1
            serving = st["serving"]
            print(f"server answering after {time.monotonic() - t1:.1f} s: serving {serving}", flush=True)
            assert isinstance(serving, dict) and serving.get("engine") == "ray", serving
            res = Result()
            t2 = time.monotonic()
            asyncio.run(interview(f"http://127.0.0.1:{port}", TOKEN, 1, res, args.timeout_s))
            print(
                f"one typed interview in {time.monotonic() - t2:.1f} s: next question {res.next_q}, "
                f"report {res.report}, errors {res.errors}, lost {res.lost}/{res.sent}",
                flush=True,
            )
            ok = not res.errors and res.lost == 0 and res.sent > 0 and len(res.report) == 1
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
            print(f"server stopped (exit {server.returncode}); logs in {work}", flush=True)
    print("PASS: greenroom serve --engine ray, end to end" if ok else "FAIL (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
