"""The grader-reliability report: is the grade repeatable, does it use the scale, does it order answers?

Given a `GradeFn` and the labelled grading set (data/grading_set.yaml: questions with a strong, a medium
and a weak answer), it reports:

- test-retest: each answer graded `repeats` times: mean |difference| between repeats, the largest
  range, the share of answers with identical scores, and ICC(1,1);
- scale usage: min, max, the share of the 0-10 range used, distinct values, standard deviation,
  and a histogram by whole points (keys "00" to "10");
- ordering: the share of (strong, medium), (medium, weak), (strong, weak) pairs in the right order,
  and the share of questions ordered strong > medium > weak entirely;
- the counterfactual fairness figures (fairness.py), anonymisation off and on.

`to_json` writes stable JSON (sorted keys, fixed rounding, a schema version) for CI thresholds.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import InputError
from greenroom.ethics.base import Anonymizer, GradeFn
from greenroom.ethics.datasets import data_path, load_yaml
from greenroom.ethics.fairness import ALL_CUES, AnswerCase, Cue, run_both

SCHEMA = "greenroom.grading-reliability/1"
LEVELS = ("strong", "medium", "weak")


@dataclass(frozen=True)
class GradingItem:
    id: str
    track: str
    question: str
    key_points: list[str]
    answers: dict[str, str]


def load_grading_set(path: Path | None = None) -> list[GradingItem]:
    data = load_yaml(path or data_path("grading_set.yaml"))
    try:
        items = [
            GradingItem(
                id=str(d["id"]),
                track=str(d["track"]),
                question=str(d["question"]),
                key_points=[str(k) for k in d["key_points"]],
                answers={lvl: str(d["answers"][lvl]) for lvl in LEVELS},
            )
            for d in data["items"]
        ]
    except (KeyError, TypeError) as exc:
        raise InputError(f"Malformed grading set: missing {exc}") from None
    if not items:
        raise InputError("The grading set is empty.")
    return items


def icc_1_1(rows: Sequence[Sequence[float]]) -> float:
    """One-way random-effects intraclass correlation ICC(1,1) of n targets x k repeats."""
    n, k = len(rows), len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        return 1.0
    grand = statistics.fmean(x for r in rows for x in r)
    means = [statistics.fmean(r) for r in rows]
    msb = k * sum((m - grand) ** 2 for m in means) / (n - 1)
    msw = sum((x - m) ** 2 for r, m in zip(rows, means, strict=True) for x in r) / (n * (k - 1))
    denom = msb + (k - 1) * msw
    if denom == 0:
        return 1.0
    return (msb - msw) / denom


def retest_figures(rows: Sequence[Sequence[float]]) -> dict[str, float]:
    diffs = [abs(a - b) for r in rows for a, b in itertools.combinations(r, 2)]
    return {
        "mean_abs_diff": statistics.fmean(diffs) if diffs else 0.0,
        "max_range": max((max(r) - min(r) for r in rows), default=0.0),
        "exact_agreement": sum(max(r) == min(r) for r in rows) / len(rows) if rows else 1.0,
        "icc": icc_1_1(rows),
    }


def scale_figures(scores: Sequence[float]) -> dict[str, Any]:
    hist = {f"{b:02d}": 0 for b in range(11)}  # zero-padded, so sorted keys are in score order
    for s in scores:
        hist[f"{min(10, max(0, int(s))):02d}"] += 1
    return {
        "min": min(scores),
        "max": max(scores),
        "range_used": (max(scores) - min(scores)) / 10.0,
        "distinct_values": len({round(s, 2) for s in scores}),
        "std": statistics.pstdev(scores),
        "histogram": hist,
    }


def ordering_figures(means: Sequence[dict[str, float]]) -> dict[str, float | int]:
    pairs = [("strong", "medium"), ("medium", "weak"), ("strong", "weak")]
    right = sum(m[a] > m[b] for m in means for a, b in pairs)
    return {
        "pair_accuracy": right / (len(pairs) * len(means)) if means else 0.0,
        "full_order_accuracy": sum(m["strong"] > m["medium"] > m["weak"] for m in means) / len(means) if means else 0.0,
        "n_pairs": len(pairs) * len(means),
    }


def reliability_report(
    grade: GradeFn,
    items: Sequence[GradingItem],
    *,
    repeats: int = 3,
    cues: Sequence[Cue] = ALL_CUES,
    fairness_answers: int = 8,
    anonymize: Anonymizer | None = None,
) -> dict[str, Any]:
    """Grade the set and compute every figure (see the module docstring)."""
    if repeats < 1:
        raise InputError("repeats must be at least 1.")
    rows: list[list[float]] = []
    means: list[dict[str, float]] = []
    for item in items:
        per_level = {}
        for lvl in LEVELS:
            scores = [float(grade(item.question, item.answers[lvl])) for _ in range(repeats)]
            rows.append(scores)
            per_level[lvl] = statistics.fmean(scores)
        means.append(per_level)
    # counterfactuals on the strong and medium answers (a weak answer near 0 hides any shift)
    cases = [
        AnswerCase(it.question, it.answers[lvl], f"{it.id}:{lvl}") for it in items for lvl in ("strong", "medium")
    ][: max(0, fairness_answers)]
    cf = run_both(grade, cases, cues, anonymize=anonymize) if cases and cues else {}
    all_scores = [s for r in rows for s in r]
    return {
        "schema": SCHEMA,
        "n_items": len(items),
        "n_answers": len(rows),
        "repeats": repeats,
        "retest": retest_figures(rows) if repeats > 1 else None,
        "scale": scale_figures(all_scores),
        "ordering": ordering_figures(means),
        "counterfactual": {k: (v.to_dict() if v else None) for k, v in cf.items()},
    }


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def to_json(report: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, floats rounded to 4 places."""
    return json.dumps(_rounded(report), sort_keys=True, indent=2)
