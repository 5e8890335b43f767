"""Benchmark of the ethics guards: latency per question and the labelled-set figures.

Run: PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/guard.py
Prints the model load time, per-question latency of `QuestionGuard.check` (p50/p95, one question at a
time, as the interviewer calls it), batch throughput, and recall / false-block rate on the labelled set
(tune and held-out splits; the trained head saw both), the four blind sets (1-4) with the trained head and with the
older exemplar stage as baseline, the exemplar stage alone, and the feedback guard's set.
"""

from __future__ import annotations

import os
import statistics
import time

from rich.console import Console
from rich.table import Table


def main() -> None:
    from greenroom.embeddings import get_embedder
    from greenroom.ethics import evaluation
    from greenroom.ethics.datasets import load_blind_sets, load_labelled
    from greenroom.ethics.events import GuardMetrics
    from greenroom.ethics.feedback import FeedbackGuard, load_feedback_labelled
    from greenroom.ethics.guard import QuestionGuard

    console = Console(width=150)
    console.print(f"load average at start: {os.getloadavg()[0]:.1f} (the figures below are slower on a busy machine)")
    t0 = time.perf_counter()
    emb = get_embedder()
    emb.encode(["warm up"])
    guard = QuestionGuard(emb, metrics=GuardMetrics())
    guard.check("How would you design a cache?")  # embeds the exemplar bank
    load_s = time.perf_counter() - t0

    items = load_labelled()
    blinds = load_blind_sets()  # blind sets 1-4
    blind, blind2 = blinds["blind"], blinds["blind2"]
    texts = [it.text for it in items] + [it.text for part in blinds.values() for it in part]
    lat = []
    by_stage = {"rule": [], "classifier": []}  # type: dict[str, list[float]]
    for text in texts:
        t = time.perf_counter()
        v = guard.check(text)
        dt = (time.perf_counter() - t) * 1000
        lat.append(dt)
        by_stage["classifier" if v.reason.startswith(("exemplar", "head")) else "rule"].append(dt)
    t = time.perf_counter()
    guard.check_many(texts)
    batch_qps = len(texts) / (time.perf_counter() - t)

    def pct(xs: list[float], q: float) -> float:
        return statistics.quantiles(xs, n=100)[int(q) - 1] if len(xs) > 1 else (xs[0] if xs else 0.0)

    perf = Table(title="Question guard latency (CPU)")
    for col in ("measure", "value"):
        perf.add_column(col)
    perf.add_row("model + exemplar bank load", f"{load_s:.2f} s")
    perf.add_row(f"check(), one question, p50 (n={len(lat)})", f"{pct(lat, 50):.1f} ms")
    perf.add_row("check(), one question, p95", f"{pct(lat, 95):.1f} ms")
    perf.add_row(f"  decided by a rule, p50 (n={len(by_stage['rule'])})", f"{pct(by_stage['rule'], 50):.2f} ms")
    perf.add_row(
        f"  decided by the {guard.stage} stage, p50 (n={len(by_stage['classifier'])})",
        f"{pct(by_stage['classifier'], 50):.1f} ms",
    )
    perf.add_row("check_many(), throughput", f"{batch_qps:.0f} questions/s")
    console.print(perf)

    old = QuestionGuard(emb, stage="exemplar", metrics=GuardMetrics())
    fig = Table(title=f"Labelled-set figures (second stage: {guard.stage}; the exemplar stage's rows are the baseline)")
    for col in ("set", "improper", "proper", "recall", "false-block rate", "category accuracy"):
        fig.add_column(col)

    def row(name: str, f: evaluation.GuardFigures) -> None:
        fig.add_row(
            name,
            str(f.n_improper),
            str(f.n_proper),
            f"{f.recall:.3f}",
            f"{f.false_block_rate:.1%}",
            f"{f.category_accuracy:.3f}",
        )

    splits = evaluation.by_split(guard, items)
    row("labelled: tune", splits["tune"])
    row("labelled: held-out", splits["heldout"])
    row("labelled: all", splits["all"])
    row("blind 1 (now a dev set)", evaluation.evaluate(guard, blind))
    blind_fig = evaluation.evaluate(guard, blind2)
    row("blind 2", blind_fig)
    row("blind 3 (written before the head was trained)", evaluation.evaluate(guard, blinds["blind3"]))
    if "blind4" in blinds:
        row("blind 4 (written after the head was trained)", evaluation.evaluate(guard, blinds["blind4"]))
    pooled = [it for part in blinds.values() for it in part]
    n = len(blinds)
    row(f"blind 1-{n} pooled (goal: recall >= 0.95, false blocks <= 3%)", evaluation.evaluate(guard, pooled))
    parts = [(f"blind {i}", part) for i, part in enumerate(blinds.values(), start=1)] + [("blind pooled", pooled)]
    for name, part in parts:
        row(f"baseline, exemplar stage: {name}", evaluation.evaluate(old, part))
    row("exemplar stage alone: tune", evaluation.embedding_only(guard, [i for i in items if i.split == "tune"]))
    row("exemplar stage alone: held-out", evaluation.embedding_only(guard, [i for i in items if i.split == "heldout"]))
    row("exemplar stage alone: blind 2", evaluation.embedding_only(guard, blind2))
    fb = FeedbackGuard(emb, metrics=GuardMetrics())
    fb_items = load_feedback_labelled()
    fb_verdicts = [fb.check(it.text) for it in fb_items]
    row("feedback guard: all", evaluation.figures(fb_items, [(v.allowed, v.category) for v in fb_verdicts]))
    console.print(fig)
    if blind_fig.missed or blind_fig.false_blocks:
        console.print(f"blind 2 misses: {blind_fig.missed}")
        console.print(f"blind 2 false blocks: {blind_fig.false_blocks}")


if __name__ == "__main__":
    main()
