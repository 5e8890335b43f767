"""The labelled hard cases of data/hard_cases.yaml as (kind, question id, score, better, worse, tie_ok) pairs,
and the ordering figures: used by tests/interview/test_grading_hard.py and benchmarks/grading_ordering.py.
data/hard_cases_heldout.yaml holds "confidently wrong" pairs kept out of the tests and of the tuning (kind
"wrong-heldout"): the benchmark reports them separately."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
LEVELS = ("strong", "medium", "weak")


@dataclass(frozen=True)
class Pair:
    kind: str
    question_id: str
    score: str
    better: str
    worse: str
    tie_ok: bool = False


def labelled() -> list[dict[str, str]]:
    return list(yaml.safe_load((DATA / "labelled_answers.yaml").read_text(encoding="utf-8"))["items"])


def dump(question_id: str, items: list[dict[str, str]], target_chars: int = 20000) -> str:
    """A dump of many topics: every other question's strong answer, with this question's in the middle,
    repeated up to `target_chars` (the 18-topic, 20,000-character dump of the issue)."""
    own = next(it["strong"] for it in items if it["question_id"] == question_id)
    others = [it["strong"] for it in items if it["question_id"] != question_id]
    middle = len(others) // 2
    topics = others[:middle] + [own] + others[middle:]
    text = ""
    while len(text) < target_chars:
        text += "\n".join(topics) + "\n"
    return text[:target_chars]


def pairs(*, heldout: bool = False) -> list[Pair]:
    items = labelled()
    by_id = {it["question_id"]: it for it in items}
    files = ["hard_cases.yaml"] + (["hard_cases_heldout.yaml"] if heldout else [])
    raw = [p for f in files for p in yaml.safe_load((DATA / f).read_text(encoding="utf-8"))["pairs"]]

    def resolve(qid: str, text: str) -> str:
        if text == "@dump":
            return dump(qid, items)
        if text.startswith("@"):
            return by_id[qid][text[1:]]
        return text

    return [
        Pair(
            p["kind"],
            p["question_id"],
            p["score"],
            resolve(p["question_id"], p["better"]),
            resolve(p["question_id"], p["worse"]),
            bool(p.get("tie_ok", False)),
        )
        for p in raw
    ]


def score_of(grade: Any, score: str) -> float:
    return float(grade.technical_score if score == "technical" else grade.response_quality)


def ordering(
    grade: Callable[[Any, str], Any], bank: Any, *, labelled_set: bool = True, heldout: bool = False
) -> dict[str, Any]:
    """Ordered pairs per kind (with the held-out pairs when asked), plus the strong > medium > weak pairs of
    the labelled set."""
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[tuple[Any, ...]] = []
    for p in pairs(heldout=heldout):
        q = bank.get(p.question_id)
        b, w = score_of(grade(q, p.better), p.score), score_of(grade(q, p.worse), p.score)
        ok = b >= w if p.tie_ok else b > w
        per_kind[p.kind][0] += int(ok)
        per_kind[p.kind][1] += 1
        if not ok:
            wrong.append((p.kind, p.question_id, p.score, b, w))
    for it in labelled() if labelled_set else []:
        q = bank.get(it["question_id"])
        s = {lvl: grade(q, it[lvl]).technical_score for lvl in LEVELS}
        for hi, lo in (("strong", "medium"), ("medium", "weak"), ("strong", "weak")):
            ok = s[hi] > s[lo]
            per_kind["labelled s>m>w"][0] += int(ok)
            per_kind["labelled s>m>w"][1] += 1
            if not ok:
                wrong.append(("labelled", it["question_id"], f"{hi}>{lo}", s[hi], s[lo]))
    return {"per_kind": {k: tuple(v) for k, v in per_kind.items()}, "wrong": wrong}
