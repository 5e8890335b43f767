"""The guard classifier head as a federated task: multinomial logistic regression on MiniLM embeddings.

It trains the same model as `greenroom train guard` (`ethics.head.GuardHead`: softmax weights over
`proper` and the improper categories), so an aggregate is a drop-in guard head. Locally each client runs
full-batch gradient descent on its own features, with L2 and an optional FedProx proximal term
`mu/2 * ||w - w_global||^2` (applied as its proximal step). The parameters are two float32 arrays, weights (classes, 384) and bias (classes,).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import InputError
from greenroom.federated.base import Arrays, FitResult, LocalData

NAME = "guard-head"
DIM = 384
#: The decision threshold a fresh aggregate starts with; `greenroom train guard` / the gate re-tune it.
DEFAULT_THRESHOLD = 0.5


def default_classes() -> tuple[str, ...]:
    """`proper` first, then the guard's improper categories (the shipped head's order when there is one)."""
    from greenroom.ethics.categories import CATEGORIES
    from greenroom.ethics.head import PROPER, load_default_head

    head = load_default_head()
    if head is not None:
        return head.classes
    return (PROPER, *sorted(CATEGORIES))


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


class GuardHeadTask:
    """`FederatedTask` for the question guard's classifier head."""

    name = NAME

    def __init__(self, classes: tuple[str, ...] | None = None, init: str = "zeros", l2: float = 1e-4) -> None:
        self.classes = tuple(classes) if classes else default_classes()
        if init not in ("zeros", "production"):
            raise InputError(f"Unknown initialisation {init!r}: use zeros or production.")
        self.init = init
        self.l2 = l2

    # --- parameters -------------------------------------------------------------------------------
    def initial_arrays(self) -> Arrays:
        n = len(self.classes)
        if self.init == "production":
            from greenroom.ethics.head import load_default_head

            head = load_default_head()
            if head is None:
                raise InputError("There is no production guard head to start from; use --init zeros.")
            if head.classes != self.classes:
                raise InputError("The production guard head has other classes than this federation.")
            return [head.weights.astype(np.float32), head.bias.astype(np.float32)]
        return [np.zeros((n, DIM), dtype=np.float32), np.zeros(n, dtype=np.float32)]

    def _check(self, arrays: Arrays) -> tuple[np.ndarray, np.ndarray]:
        if len(arrays) != 2:
            raise InputError(f"A guard head has 2 parameter arrays, not {len(arrays)}.")
        w, b = (np.asarray(a, dtype=np.float64) for a in arrays)
        n = len(self.classes)
        if w.shape != (n, DIM) or b.shape != (n,):
            raise InputError(f"Guard head arrays have shapes {w.shape} and {b.shape}, expected {(n, DIM)} and {(n,)}.")
        return w, b

    def _check_data(self, data: LocalData) -> None:
        if data.x.ndim != 2 or data.x.shape[1] != DIM or len(data) != data.x.shape[0]:
            raise InputError(f"Local features must be (n, {DIM}); got {data.x.shape}.")
        if len(data) and (data.y.min() < 0 or data.y.max() >= len(self.classes)):
            raise InputError("Local labels are outside this federation's classes.")

    # --- training and evaluation ------------------------------------------------------------------
    def loss(self, w: np.ndarray, b: np.ndarray, data: LocalData) -> tuple[float, float]:
        """Mean cross-entropy and accuracy."""
        p = _softmax(data.x.astype(np.float64) @ w.T + b)
        picked = p[np.arange(len(data)), data.y]
        loss = float(-np.log(np.clip(picked, 1e-12, None)).mean())
        acc = float((p.argmax(axis=1) == data.y).mean())
        return loss, acc

    def fit(self, arrays: Arrays, data: LocalData, *, epochs: int, lr: float, proximal_mu: float) -> FitResult:
        self._check_data(data)
        if len(data) == 0:
            raise InputError("This client has no consented examples to train on.")
        w0, b0 = self._check(arrays)
        w, b = w0.copy(), b0.copy()
        x = data.x.astype(np.float64)
        onehot = np.eye(len(self.classes))[data.y]
        n = len(data)
        shrink = 1.0 + lr * proximal_mu
        for _ in range(max(1, epochs)):
            g = (_softmax(x @ w.T + b) - onehot) / n  # (n, classes)
            # gradient step on the data loss, then the proximal step towards the global model in closed
            # form (stable for any mu, unlike adding mu * (w - w0) to the gradient)
            w = (w - lr * (g.T @ x + self.l2 * w) + lr * proximal_mu * w0) / shrink
            b = (b - lr * g.sum(axis=0) + lr * proximal_mu * b0) / shrink
        loss, acc = self.loss(w, b, data)
        return FitResult([w.astype(np.float32), b.astype(np.float32)], n, {"train_loss": loss, "train_accuracy": acc})

    def evaluate(self, arrays: Arrays, data: LocalData) -> tuple[float, dict[str, float]]:
        self._check_data(data)
        if len(data) == 0:
            raise InputError("No examples to evaluate on.")
        w, b = self._check(arrays)
        loss, acc = self.loss(w, b, data)
        return loss, {"accuracy": acc}

    # --- the candidate ------------------------------------------------------------------------------
    def save_candidate(self, arrays: Arrays, out_dir: Path, meta: dict[str, Any]) -> Path:
        """Write the aggregate as a guard head JSON (the format `greenroom train guard` writes)."""
        from greenroom.ethics.head import HEAD_FILE, GuardHead

        w, b = self._check(arrays)
        head = GuardHead(classes=self.classes, weights=w, bias=b, threshold=DEFAULT_THRESHOLD, meta=dict(meta))
        path = out_dir / HEAD_FILE
        head.save(path)
        return path

    def labels(self, names: list[str]) -> np.ndarray:
        """Class indices of label names; an unknown label raises."""
        index = {c: i for i, c in enumerate(self.classes)}
        bad = sorted({n for n in names if n not in index})
        if bad:
            raise InputError(f"Unknown guard labels {bad}; valid: {', '.join(self.classes)}.")
        return np.asarray([index[n] for n in names], dtype=np.int64)


def heldout_examples() -> list[tuple[str, str]]:
    """The server's held-out set: the guard's blind sets (never trained on by `train guard` or clients)."""
    from greenroom.ethics.datasets import load_blind_sets
    from greenroom.ethics.head import PROPER

    out: list[tuple[str, str]] = []
    for items in load_blind_sets().values():  # blind sets 1-4 (ethics.datasets.BLIND_SETS)
        out += [(it.text, it.label if it.improper else PROPER) for it in items]
    if not out:
        raise InputError("No held-out guard questions are installed.")
    return out
