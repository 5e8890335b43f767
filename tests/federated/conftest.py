"""Fixtures for the federated tests: distinct, non-IID guard examples per client."""

from __future__ import annotations

import random

import pytest


def client_splits(n_clients: int = 3, seed: int = 0) -> list[list[tuple[str, str]]]:
    """Labelled guard questions dealt to clients non-IID: each improper category goes to one client only,
    proper questions are shared out evenly. No text is in two clients' data."""
    from greenroom.ethics.head import PROPER
    from greenroom.training.guard_train import guard_training_items

    unique = guard_training_items(bank_questions=[])  # the guard's own training data, deduplicated
    random.Random(seed).shuffle(unique)
    cats = sorted({lab for _, lab in unique if lab != PROPER})
    owner = {c: i % n_clients for i, c in enumerate(cats)}
    out: list[list[tuple[str, str]]] = [[] for _ in range(n_clients)]
    proper_i = 0
    for t, lab in unique:
        if lab == PROPER:
            out[proper_i % n_clients].append((t, lab))
            proper_i += 1
        else:
            out[owner[lab]].append((t, lab))
    return out


@pytest.fixture(scope="session")
def splits() -> list[list[tuple[str, str]]]:
    return client_splits()
