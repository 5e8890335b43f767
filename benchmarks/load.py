"""Load: K concurrent simulated interviews (typed answers) through the real API and WebSocket, per engine.

Run: PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/load.py [--engines single,pool,ray] [--ks 1,2,4,8]
     [--questions 2] [--preset qwen2.5-coder-0.5b] [--ray-address 127.0.0.1:6379 | --start-ray] [--budget-s 900]

For each engine the app runs on uvicorn on a free loopback port (in this process, so the server-side
histograms are readable). For each K, K clients each create an interview (`POST /api/interviews`, voice
and camera off), open its socket, answer every question with a typed answer and wait for the report.
Printed per K: p50/p95 of the next question (answer sent -> next `question` event), p50/p95 of the
grader's LLM calls (server-side `grading_total`) and of the last answer -> report (grading included), errors, answers lost (sent but not in the stored
session), workers over time, and the time from the first request to the first scale-up.
Loops are bounded: every wait has a timeout and the whole run stops at --budget-s. On a shared 2-core
machine the figures are noisy; the single-process engine is the baseline on the same K.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = [
    "I would use a hash map from keys to values, so that each lookup takes constant time on average.",
    "I would measure first, then cache the slow query and add an index on the column used in the filter.",
    "I split the work into small steps, agreed on the order with the team, and checked progress every day.",
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class Result:
    next_q: list[float] = field(default_factory=list)
    report: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    lost: int = 0


@contextmanager
def serve(settings: Any, start_timeout: float) -> Iterator[tuple[str, str, Any]]:
    """The app on uvicorn in a thread; yields (base url, token, app)."""
    import socket

    import uvicorn

    from greenroom.server.app import create_app
    from greenroom.server.security import Auth

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth = Auth()
    app = create_app(settings.model_copy(update={"server_port": port}), auth=auth)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=1 << 20))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", auth.token, app
    finally:
        server.should_exit = True
        thread.join(60)


def wait_warm(app: Any, timeout: float) -> float:
    """Wait until the server's background preload ended and the engine has its minimum of workers ready
    (so K = 1 is not a warm-up figure). Returns the seconds waited."""
    t0 = time.monotonic()
    engine = app.state.resources.engine
    while time.monotonic() - t0 < timeout:
        preloading = any(t.name == "greenroom-preload" for t in threading.enumerate())
        st = engine.status() if engine is not None else {}
        if not preloading and st.get("ready", 1) >= st.get("min", 1):
            break
        time.sleep(0.2)
    return time.monotonic() - t0


async def interview(base: str, token: str, questions: int, res: Result, limit_s: float) -> None:
    import httpx
    from websockets.asyncio.client import connect

    headers = {"authorization": f"Bearer {token}"}
    setup = {"track": "technical", "questions": questions, "voice": False, "camera": False, "consent": True}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=limit_s) as http:
        r = await http.post("/api/interviews", json=setup)
        if r.status_code != 201:
            res.errors.append(f"create {r.status_code}: {r.text[:80]}")
            return
        sid = r.json()["id"]
        sent: list[str] = []
        url = base.replace("http", "ws", 1) + f"/api/interviews/{sid}/live"
        async with connect(url, additional_headers=headers, max_size=1 << 22) as ws:
            await ws.send(json.dumps({"type": "hello", "camera": False, "voice": False}))
            t_sent: float | None = None
            t_last = time.perf_counter()
            end = time.monotonic() + limit_s
            while time.monotonic() < end:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(1.0, end - time.monotonic()))
                if isinstance(raw, bytes):
                    continue
                ev = json.loads(raw)
                if ev["type"] == "error":
                    res.errors.append(f"{ev.get('code')}: {ev.get('detail', '')[:80]}")
                    if ev.get("fatal"):
                        return
                elif ev["type"] == "question":
                    if t_sent is not None:
                        res.next_q.append(time.perf_counter() - t_sent)
                        t_sent = None
                    if ev.get("done"):
                        continue
                    answer = ANSWERS[len(sent) % len(ANSWERS)]
                    await ws.send(json.dumps({"type": "answer_text", "text": answer}))
                    sent.append(answer)
                    res.sent += 1
                    t_sent = t_last = time.perf_counter()
                elif ev["type"] == "finished":
                    res.report.append(time.perf_counter() - t_last)
                    break
            else:
                res.errors.append("timeout")
        stored = (await http.get(f"/api/sessions/{sid}")).json()
        answers = [t.get("answer", "") for t in stored.get("turns", [])]
        res.lost += sum(1 for a in sent if a not in answers)


def sample_workers(engine: Any, t_mark: float, stop: threading.Event, out: list[tuple[float, int]]) -> None:
    """Workers (or replicas) every half second until `stop`."""
    while not stop.wait(0.5):
        if engine is not None:
            out.append((time.monotonic() - t_mark, int(engine.status()["workers"])))


def run_k(base: str, token: str, k: int, questions: int, limit_s: float) -> tuple[Result, float]:
    res = Result()

    async def main() -> None:
        outcomes = await asyncio.gather(
            *(interview(base, token, questions, res, limit_s) for _ in range(k)), return_exceptions=True
        )
        res.errors += [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]

    t0 = time.perf_counter()
    asyncio.run(main())
    return res, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="single,pool", help="Comma-separated: single, pool, ray.")
    ap.add_argument("--ks", default="1,2,4,8")
    ap.add_argument("--questions", type=int, default=2)
    ap.add_argument("--preset", default="qwen2.5-coder-0.5b")
    ap.add_argument("--min-workers", type=int, default=1)
    ap.add_argument("--max-workers", type=int, default=2)
    ap.add_argument("--ray-address", default="127.0.0.1:6379")
    ap.add_argument("--start-ray", action="store_true", help="Start a throwaway loopback Ray head for --engines ray.")
    ap.add_argument("--timeout-s", type=float, default=900.0, help="Longest wait for one interview.")
    ap.add_argument("--budget-s", type=float, default=900.0, help="Stop starting new runs after this long.")
    args = ap.parse_args()

    from greenroom.config import default_data_dir

    models = Path(os.environ.get("GREENROOM_MODELS_DIR") or default_data_dir() / "models")
    t_start = time.monotonic()
    rows: list[str] = []
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; LLM {args.preset}")
    from contextlib import ExitStack

    stack = ExitStack()
    if args.start_ray and "ray" in args.engines.split(","):
        from greenroom.serving.ray_local import local_ray

        args.ray_address = stack.enter_context(local_ray())
        print(f"ray: a loopback head at {args.ray_address}", flush=True)
    with stack:
        run_engines(args, models, t_start, rows)
    print("\nsummary (noisy: 2 shared cores; single = today's one process, the baseline)")
    for row in rows:
        print(row)
    if any("errors 0" not in r or " lost 0/" not in r for r in rows):
        print("NOTE: some runs had errors or lost answers (see above).")


def run_engines(args: Any, models: Path, t_start: float, rows: list[str]) -> None:
    from greenroom.config import Settings
    from greenroom.serving import metrics

    for engine in args.engines.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"greenroom-load-{engine}-"))
        settings = Settings(
            data_dir=work / "data",
            models_dir=models,
            llm_preset=args.preset,
            llm_max_tokens=64,
            interview_max_follow_ups=0,
            server_preload_models=True,
            serving_engine=engine,
            serving_min_workers=args.min_workers,
            serving_max_workers=args.max_workers,
            serving_upscale_delay_s=1.0,
            serving_downscale_delay_s=20.0,
            serving_ray_address=args.ray_address,
            serving_max_queue=256,
        )
        with serve(settings, start_timeout=600) as (base, token, app):
            res_engine = app.state.resources.engine
            print(f"{engine}: warm after {wait_warm(app, 600):.1f} s (models loaded, workers ready)", flush=True)
            for k in [int(x) for x in args.ks.split(",")]:
                if time.monotonic() - t_start > args.budget_s:
                    print(f"budget spent: {engine} K={k} not run")
                    continue
                metrics.RECENT.clear()
                t_mark = time.monotonic()
                samples: list[tuple[float, int]] = []
                stop = threading.Event()

                sampler = threading.Thread(target=sample_workers, args=(res_engine, t_mark, stop, samples), daemon=True)
                sampler.start()
                res, wall = run_k(base, token, k, args.questions, args.timeout_s)
                stop.set()
                sampler.join()
                grading = [s for _, stage, s in metrics.recent(t_mark) if stage == "grading_total" and s is not None]
                counts = [n for _, n in samples]
                first = counts[0] if counts else 1
                scale_t = next((round(t, 1) for t, n in samples if n > first), None)
                over_time = " ".join(str(n) for n in counts[:: max(1, len(counts) // 12)]) or "1"
                row = (
                    f"{engine:6} K={k}: next question p50 {pct(res.next_q, 0.5):5.1f} s p95 {pct(res.next_q, 0.95):5.1f} s"
                    f" | grading LLM p50 {pct(grading, 0.5):5.1f} s p95 {pct(grading, 0.95):5.1f} s (n={len(grading)})"
                    f" | last answer to report p50 {pct(res.report, 0.5):5.1f} s p95 {pct(res.report, 0.95):5.1f} s"
                    f" | errors {len(res.errors)} | lost {res.lost}/{res.sent} | wall {wall:5.1f} s"
                    f" | workers {over_time} | scale-up after {scale_t if scale_t is not None else '-'} s"
                    f" | load avg {os.getloadavg()[0]:.1f}"
                )
                print(row, flush=True)
                for e in res.errors[:3]:
                    print("    error:", e)
                rows.append(row)


if __name__ == "__main__":
    main()
