"""End of turn paced in real time: clips fed through the live listener as the page sends them (100 ms
chunks), idle and with one core busy, and with the interviewer's LLM generating meanwhile (`--paced`,
`--llm-threads-check` of `benchmarks/turn_end.py`, which holds the corpus and the curve).

Each run prints the wall-clock wait from the end of speech to the turn end, the share cut off early, the
ASR tail and the worst lag of the live path behind real time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from typing import Any

from benchmarks.turn_end import Clip, pct


def busy_core(seconds: float) -> subprocess.Popen[bytes]:
    """One core kept busy for at most `seconds` (stress-ng when installed, else a Python loop)."""
    if shutil.which("stress-ng"):
        return subprocess.Popen(["stress-ng", "--cpu", "1", "--timeout", f"{int(seconds)}s", "--quiet"])
    code = f"import time\nt=time.monotonic()+{seconds}\nwhile time.monotonic()<t: pass"
    return subprocess.Popen([sys.executable, "-c", code])


def paced(clips: list[Clip], listener_for: Any) -> dict[str, float]:
    """Clips fed at real-time pace in 100 ms chunks; audio that queued up while busy is fed in one piece."""
    step = 1600
    lags, waits, tails, cut = [], [], [], 0
    for c in clips:
        listener = listener_for()
        n = (len(c.audio) + step - 1) // step
        t0 = time.perf_counter()
        k = 0
        while k < n:
            arrived = int((time.perf_counter() - t0) / 0.1)  # chunks that have arrived by now
            if arrived <= k:
                time.sleep(0.1 * (k + 1) - (time.perf_counter() - t0))
                continue
            upto = min(arrived, n)
            events = listener.feed(c.audio[k * step : upto * step])
            done = time.perf_counter()
            k = upto
            ends = [e for e in events if e.kind == "turn_end"]
            if not ends:
                lags.append(done - (t0 + 0.1 * upto))
            else:
                if ends[0].time < c.speech_end - 0.05:
                    cut += 1
                else:
                    waits.append(done - (t0 + c.speech_end))
                    tails.append(done - (t0 + 0.1 * upto))
                break
    return {
        "p50": pct(waits, 0.5),
        "p95": pct(waits, 0.95),
        "cut": cut / len(clips),
        "tail": pct(tails, 0.5),
        "lag": max(lags) if lags else float("nan"),
    }


def llm_threads_check(clips: list[Clip], settings: Any, n: int) -> None:
    """The paced listener (defaults, ASR as the live room runs it) while the LLM generates without pause on
    all cores, then on all cores but one; prints the listener's figures and the LLM's speed beside them."""
    import threading

    from greenroom.llm.base import user
    from greenroom.llm.factory import create_chat_model
    from greenroom.speech.asr import create_transcriber

    chosen = clips[: n // 2] + [c for c in clips if c.kind == "clean"][: n - n // 2]
    chosen += [c for c in clips if c.name == "jfk.flac"]
    asr = create_transcriber(settings)
    cores = os.cpu_count() or 1
    print(
        f"Paced, {len(chosen)} clips, with the LLM ({settings.llm_preset}, engine {settings.serving_engine}: "
        f"in this process) generating meanwhile; ASR {settings.speech_asr_model}"
    )
    print(f"{'LLM threads':<14}{'p50 s':>7}{'p95 s':>7}{'cut':>7}{'tail s':>8}{'lag s':>7}{'LLM tok/s':>11}")
    for threads in sorted({cores, max(1, cores - 1)}, reverse=True):
        model = create_chat_model(settings.model_copy(update={"llm_threads": threads}))
        model.complete([user("Say hello.")], max_tokens=4)  # loaded and warm before the clock starts
        stop, pieces = threading.Event(), [0]

        def generate(model: Any = model, stop: threading.Event = stop, pieces: list[int] = pieces) -> None:
            while not stop.is_set():
                for _ in model.stream([user("Explain database indexes in detail.")], max_tokens=48):
                    pieces[0] += 1
                    if stop.is_set():
                        return

        worker = threading.Thread(target=generate, daemon=True)
        t0 = time.perf_counter()
        worker.start()
        try:
            r = paced(chosen, lambda: live_listener(asr, settings, {}))
        finally:
            stop.set()
            worker.join()
        rate = pieces[0] / (time.perf_counter() - t0)
        print(
            f"{threads:<14}{r['p50']:>7.2f}{r['p95']:>7.2f}{r['cut']:>7.0%}{r['tail']:>8.2f}{r['lag']:>7.2f}{rate:>11.1f}",
            flush=True,
        )
        del model
    print(f"load average now {os.getloadavg()[0]:.1f}")


def live_listener(asr: Any, settings: Any, overrides: dict[str, Any]) -> Any:
    """The listener as the live room builds it (background ASR per the settings), with detector overrides."""
    from greenroom.speech.listener import Listener
    from greenroom.speech.turns import TurnDetector

    detector = TurnDetector.from_settings(settings, **overrides)
    return Listener(asr, detector, background_asr=settings.speech_asr_background)


def paced_runs(clips: list[Clip], settings: Any, n: int, *, busy: bool) -> None:
    """`n` clips (half paused, half clean) and jfk.flac fed in real time: the old rule with ASR in order, the
    defaults with ASR in order and in the background; idle, then with one core busy."""
    from greenroom.speech.asr import create_transcriber

    chosen = clips[: n // 2] + [c for c in clips if c.kind == "clean"][: n - n // 2]
    chosen += [c for c in clips if c.name == "jfk.flac"]
    modes = [  # (label, detector overrides, ASR in the background)
        ("rules end 2 s, ASR in order (before)", {"policy": "rules", "end_silence_s": 2.0}, False),
        ("defaults, ASR in order", {}, False),
        ("defaults, ASR in the background", {}, True),
    ]
    print(
        f"\nPaced in real time: {len(chosen)} clips; wait and ASR tail measured on the wall clock; "
        "lag = worst delay of the live path behind real time (the feed that ends the turn apart: its wait is "
        "the tail)"
    )
    live_asr = create_transcriber(settings)
    print(f"{'load':<6}{'policy':<40}{'p50 s':>7}{'p95 s':>7}{'cut':>7}{'tail s':>8}{'lag s':>7}")
    for load in ["idle", "busy"] if busy else ["idle"]:
        for label, kw, background in modes:
            spin = busy_core(120) if load == "busy" else None
            conf = settings.model_copy(update={"speech_asr_background": background})
            try:
                r = paced(chosen, lambda kw=kw, conf=conf: live_listener(live_asr, conf, kw))  # type: ignore[misc]
            finally:
                if spin is not None:
                    spin.kill()
                    spin.wait()
            print(
                f"{load:<6}{label:<40}{r['p50']:>7.2f}{r['p95']:>7.2f}{r['cut']:>7.0%}{r['tail']:>8.2f}{r['lag']:>7.2f}",
                flush=True,
            )
