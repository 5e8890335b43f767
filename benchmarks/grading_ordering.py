"""Ordering figures of the interview grader on the labelled hard cases (issue 18) and the labelled set.

For each kind of hard case (stuffing, off-topic, garbled, wrong, buzzwords, concise) it prints how many
labelled pairs the grader orders as labelled (the better answer above the worse one on the named score),
the held-out "confidently wrong" pairs (kind wrong-heldout, data/hard_cases_heldout.yaml: never used to tune),
and the strong > medium > weak pairs of tests/interview/data/labelled_answers.yaml. It also counts the answers
the per-key-point truth check (claims.py, `interview_claim_check`, on by default) calls false: "false flags" on
answers labelled correct (strong and medium answers, and every pair's better answer) and flags on the confidently
wrong ones, with the check's cost per answer. `--no-claims` switches the check off. Run it on main's sources for
a "before" column (PYTHONPATH=path/to/main/src).

Usage: python benchmarks/grading_ordering.py [--no-rubric] [--no-claims] [--hard-only] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "interview"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-rubric", action="store_true", help="Embeddings and checks only (no LLM call).")
    ap.add_argument("--no-claims", action="store_true", help="Without the per-key-point truth check.")
    ap.add_argument("--hard-only", action="store_true", help="Only the hard cases (not strong > medium > weak).")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import hard_cases  # tests/interview/hard_cases.py

    from greenroom.config import Settings
    from greenroom.embeddings import get_embedder
    from greenroom.interview.bank import QuestionBank
    from greenroom.interview.grading import Grader
    from greenroom.llm.factory import create_chat_model

    settings = Settings(interview_claim_check=not args.no_claims)
    llm = None if args.no_rubric else create_chat_model(settings)
    grader = Grader(llm, get_embedder(), settings=settings, use_rubric=not args.no_rubric)
    bank = QuestionBank.load(settings)
    memo: dict[tuple[str, str], object] = {}
    cost = {"calls": 0, "seconds": 0.0}
    checker = getattr(grader, "claims", None)
    if checker is not None and hasattr(checker, "scorer"):
        inner = checker.scorer

        class Timed:
            def choice_logits(self, messages: object, choices: object) -> object:
                t = time.perf_counter()
                try:
                    return inner.choice_logits(messages, choices)
                finally:
                    cost["calls"] += 1
                    cost["seconds"] += time.perf_counter() - t

        checker.scorer = Timed()

    def grade(q: object, a: str) -> object:
        key = (q.id, a)  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = grader.grade(q, a)  # type: ignore[arg-type]
        return memo[key]

    t0 = time.perf_counter()
    result = hard_cases.ordering(grade, bank, labelled_set=not args.hard_only, heldout=True)
    dump_q = bank.get("tech-sql-index")
    dump = grade(dump_q, hard_cases.dump(dump_q.id, hard_cases.labelled()))
    correct = {(it["question_id"], it[lvl]) for it in hard_cases.labelled() for lvl in ("strong", "medium")}
    correct |= {(p.question_id, p.better) for p in hard_cases.pairs(heldout=True)}
    wrong_answers = {(p.question_id, p.worse) for p in hard_cases.pairs(heldout=True) if p.kind.startswith("wrong")}

    def flagged(keys: set[tuple[str, str]]) -> str:
        graded = [memo[k] for k in keys if k in memo]
        hit = [g for g in graded if g.contradicted_points]  # type: ignore[attr-defined]
        return f"{len(hit)}/{len(graded)}"

    checked_answers = sum(1 for g in memo.values() if g.components.get("claims_checked", -1) >= 0)  # type: ignore[attr-defined]
    out = {
        "rubric": not args.no_rubric,
        "claim_check": checker is not None,
        "ordered": {k: f"{ok}/{n}" for k, (ok, n) in result["per_kind"].items()},
        "total": f"{sum(v[0] for v in result['per_kind'].values())}/{sum(v[1] for v in result['per_kind'].values())}",
        "dump_covered_points": f"{len(dump.covered_points)}/{len(dump_q.key_points)}",  # type: ignore[attr-defined]
        "dump_quality": dump.response_quality,  # type: ignore[attr-defined]
        "false_flags_on_correct": flagged(correct),
        "flags_on_confidently_wrong": flagged(wrong_answers),
        "truth_check_calls": cost["calls"],
        "truth_check_answers": checked_answers,
        "truth_check_s_per_answer": round(cost["seconds"] / max(1, checked_answers), 2),
        "wrong": result["wrong"],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for k, v in out.items():
        if k == "wrong":
            print("misordered:")
            for w in v:  # type: ignore[union-attr]
                print("   ", w)
        else:
            print(f"{k:22} {v}")


if __name__ == "__main__":
    main()
