"""The federated task interface: what a model must offer to be trained with Flower, and the task registry.

A task owns its parameters as a list of float arrays (what crosses the wire), its local training step
(with an optional FedProx proximal term), its evaluation, and how an aggregate becomes a candidate file.
Local data are `LocalData`: features computed on the client and never sent anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from greenroom.errors import UnknownNameError

Arrays = list[np.ndarray]


@dataclass(frozen=True)
class LocalData:
    """A client's training examples as numbers: features `x` (n, dim) and integer class labels `y` (n,)."""

    x: np.ndarray
    y: np.ndarray
    source: str = "local"

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass(frozen=True)
class FitResult:
    """What local training returns: new parameters, how many examples they saw, and numeric metrics."""

    arrays: Arrays
    num_examples: int
    metrics: dict[str, float] = field(default_factory=dict)


class FederatedTask(Protocol):
    """A model trainable by federation (the guard head; the interviewer's LoRA adapter)."""

    name: str

    def initial_arrays(self) -> Arrays: ...

    # `data` is the task's local data: `LocalData` features (guard head) or a dataset folder (LoRA)
    def fit(self, arrays: Arrays, data: Any, *, epochs: int, lr: float, proximal_mu: float) -> FitResult: ...

    def evaluate(self, arrays: Arrays, data: Any) -> tuple[float, dict[str, float]]: ...

    def save_candidate(self, arrays: Arrays, out_dir: Path, meta: dict[str, Any]) -> Path: ...


_TASKS: dict[str, Callable[..., FederatedTask]] = {}


def register_task(name: str, factory: Callable[..., FederatedTask]) -> None:
    if name in _TASKS:
        raise ValueError(f"federated task {name!r} is already registered")
    _TASKS[name] = factory


def task_names() -> list[str]:
    _load_builtin()
    return sorted(_TASKS)


def create_task(name: str, **kwargs: Any) -> FederatedTask:
    """The task named `name` (`guard-head`, `interviewer-lora`); an unknown name lists the valid ones."""
    _load_builtin()
    if name not in _TASKS:
        raise UnknownNameError("federated task", name, _TASKS)
    return _TASKS[name](**kwargs)


def _load_builtin() -> None:
    if not _TASKS:
        from greenroom.federated import guard_task, lora_task

        register_task(guard_task.NAME, guard_task.GuardHeadTask)
        register_task(lora_task.NAME, lora_task.InterviewerLoraTask)
