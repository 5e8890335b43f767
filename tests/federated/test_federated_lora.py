"""The interviewer-LoRA federated task on a tiny local Qwen2 model: two members train, Flower averages.

One FedAvg round in process (the deployment test covers the wire with the guard head): each member fits
the global adapter on its own chat dataset, Flower's `aggregate` averages the adapters by example count,
and the held-out loss of the average is lower than the starting adapter's. FedProx keeps a member's adapter
nearer the global one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_two_members_average_their_lora_adapters(tmp_path: Path) -> None:
    from flwr.server.strategy.aggregate import aggregate

    from greenroom.federated.base import create_task
    from greenroom.interview.bank import QuestionBank
    from greenroom.training.data import build_datasets
    from greenroom.training.lora import LoraArgs
    from greenroom.training.tiny import make_tiny_base

    questions = list(QuestionBank.load().all())[:45]
    base = make_tiny_base(tmp_path / "base", [q.text for q in questions])
    dirs = []
    for i in range(3):  # members 0 and 1 train; part 2 is the server's held-out set
        build_datasets(tmp_path / f"d{i}", bank=questions[i::3], grading_items=[], val_share=0.45, test_share=0.0)
        dirs.append(tmp_path / f"d{i}")
    args = LoraArgs(max_steps=4, warmup_steps=0, learning_rate=5e-3, batch_size=4, max_length=256)
    task = create_task("interviewer-lora", base=base, args=args)
    start = task.initial_arrays()
    assert start and all(a.dtype == np.float32 for a in start)
    loss0, _ = task.evaluate(start, dirs[2])
    fits = [task.fit(start, d, epochs=1, lr=0.0, proximal_mu=0.0) for d in dirs[:2]]
    avg = aggregate([(f.arrays, f.num_examples) for f in fits])
    loss1, _ = task.evaluate(avg, dirs[2])
    assert loss1 < loss0, (loss0, loss1)

    prox = task.fit(start, dirs[0], epochs=1, lr=0.0, proximal_mu=50.0)
    dist = lambda arrs: sum(float(np.sum((a - s) ** 2)) for a, s in zip(arrs, start, strict=True))  # noqa: E731
    assert dist(prox.arrays) < dist(fits[0].arrays)

    path = task.save_candidate(avg, tmp_path / "candidate", {"source": "federated"})
    assert path.exists() and (tmp_path / "candidate" / "adapter_config.json").exists()
