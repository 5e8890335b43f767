"""Benchmark the interview grader with the embedded default model: seconds per grade (p50, p95), and the
time from the last answer of an interview to its full report.

Grades the labelled answers of tests/interview/data (12 questions x strong/medium/weak) with a grader
without its result cache, so every answer runs the full pipeline (embeddings, checks, one LLM rubric
call). `--interleaved` puts an interviewer follow-up call (a different prompt) before each grade, as in
a live interview, which evicts llama.cpp's reused rubric prefix; `--ram-cache MB` then adds
llama-cpp-python's RAM prompt cache so the rubric prefix is restored instead of re-evaluated.

Usage: python benchmarks/grading.py [--limit N] [--interleaved] [--ram-cache MB] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(__file__).resolve().parents[1] / "tests" / "interview" / "data" / "labelled_answers.yaml"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="Grade only the first N answers.")
    ap.add_argument("--interleaved", action="store_true", help="An interviewer LLM call before each grade.")
    ap.add_argument("--ram-cache", type=int, default=0, help="llama-cpp-python RAM prompt cache size in MB.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import yaml

    from greenroom.config import Settings
    from greenroom.embeddings import get_embedder
    from greenroom.interview.background import BackgroundGrader
    from greenroom.interview.bank import QuestionBank
    from greenroom.interview.grading import Grader
    from greenroom.interview.interviewer import FOLLOW_UP_SYSTEM
    from greenroom.interview.plan import new_interview
    from greenroom.interview.report import build_report
    from greenroom.interview.state import Turn
    from greenroom.llm.base import system, user
    from greenroom.llm.factory import create_chat_model

    settings = Settings()
    t0 = time.perf_counter()
    emb = get_embedder()
    emb.encode(["warm up"])
    llm = create_chat_model(settings)
    if args.ram_cache:
        from llama_cpp import LlamaRAMCache

        llm.load().set_cache(LlamaRAMCache(capacity_bytes=args.ram_cache << 20))  # type: ignore[attr-defined]
    llm.complete([user("Say OK.")], max_tokens=2)
    load_s = time.perf_counter() - t0
    bank = QuestionBank.load(settings)
    grader = Grader(llm, emb, settings=settings, cache=False)
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))["items"]
    pairs = [(bank.get(it["question_id"]), it[lvl]) for it in items for lvl in ("strong", "medium", "weak")]
    if args.limit:
        pairs = pairs[: args.limit]
    grader.grade(*pairs[0])  # warm the rubric prefix
    times: list[float] = []
    for q, answer in pairs:
        if args.interleaved:
            llm.complete(
                [system(FOLLOW_UP_SYSTEM), user(f"Main question: {q.text}\nTopic to ask about: {q.key_points[-1]}")],
                max_tokens=30,
                temperature=0.0,
            )
        start = time.perf_counter()
        grader.grade(q, answer)
        times.append(time.perf_counter() - start)

    # time from the last answer to the full report: three questions, the first two graded in the background
    # while the candidate answers the next one (here: until they are done), the last one submitted at t_last.
    state = new_interview(bank, "technical", n=1, seed=0)
    chosen = [pairs[i] for i in (0, 4, 8) if i < len(pairs)]
    state.questions = [q for q, _ in chosen]
    for q, a in chosen:
        state.turns.append(Turn(question_id=q.id, kind="question", prompt=q.text, answer=a))
    state.phase = "done"
    background = BackgroundGrader(Grader(llm, emb, settings=settings, cache=False))
    for q, a in chosen[:-1]:
        background.submit(q, a)
    background.wait(timeout=600)
    t_last = time.perf_counter()
    background.submit(*chosen[-1])
    grades = background.wait(timeout=600)
    report = build_report(state, grades, bank=bank)
    report.to_markdown()
    report_s = time.perf_counter() - t_last
    background.close()

    out = {
        "model": llm.name,
        "threads": os.cpu_count(),
        "grades": len(times),
        "interleaved": args.interleaved,
        "ram_cache_mb": args.ram_cache,
        "load_s": round(load_s, 2),
        "grade_p50_s": round(statistics.median(times), 2),
        "grade_p95_s": round(pct(times, 0.95), 2),
        "grade_max_s": round(max(times), 2),
        "last_answer_to_report_s": round(report_s, 2),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{'figure':28} value")
    for k, v in out.items():
        print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
