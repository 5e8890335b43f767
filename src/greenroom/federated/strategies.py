"""Flower strategies for a `FederationPlan`: FedAvg or FedProx, optionally wrapped for client-side DP.

All of them are Flower's own (`flwr.server.strategy`): `FedAvg`, `FedProx` (for uneven data across
clients; it sends `proximal_mu`, which the task adds to its local loss) and
`DifferentialPrivacyClientSideFixedClipping` (each client clips its update with `fixedclipping_mod`; the
server adds Gaussian noise to the aggregate). A server-side evaluation function scores the global model
on held-out features after every round and appends `{round, loss, accuracy}` to a list the caller reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import InputError
from greenroom.federated.base import FederatedTask, LocalData
from greenroom.federated.plan import FederationPlan


def task_for_plan(plan: FederationPlan) -> FederatedTask:
    from greenroom.federated.base import create_task
    from greenroom.federated.guard_task import NAME, GuardHeadTask

    if plan.task == NAME:
        classes = tuple(c for c in plan.classes.split(",") if c)
        return GuardHeadTask(classes=classes or None, init=plan.init)
    if plan.task == "interviewer-lora":
        if not plan.lora_base:
            raise InputError("The interviewer-lora task needs the base model (lora-base).")
        return create_task(plan.task, base=Path(plan.lora_base), local_steps=plan.lora_steps)
    return create_task(plan.task)


def heldout_data(plan: FederationPlan, task: FederatedTask) -> Any:
    """The server's held-out data (features for the guard head, a dataset folder for LoRA), or None."""
    if not plan.heldout:
        return None
    if task.name == "interviewer-lora":
        return Path(plan.heldout)
    from greenroom.federated.guard_task import GuardHeadTask
    from greenroom.federated.local_data import load_features

    feats = load_features(Path(plan.heldout))
    if not isinstance(task, GuardHeadTask):
        raise InputError(f"No held-out loader for task {task.name}.")
    return LocalData(feats.x, task.labels(list(feats.label_names)), source="heldout")


def build_strategy(
    plan: FederationPlan,
    task: FederatedTask,
    heldout: Any,
    losses: list[dict[str, float]],
    *,
    fraction_fit: float = 1.0,
) -> Any:
    """The Flower strategy the plan asks for; `losses` receives the held-out loss of every round (0 = start)."""
    from flwr.common import NDArrays, Scalar, ndarrays_to_parameters
    from flwr.server.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg, FedProx

    def evaluate_fn(
        server_round: int, arrays: NDArrays, config: dict[str, Scalar]
    ) -> tuple[float, dict[str, Scalar]] | None:
        if heldout is None:
            return None
        loss, metrics = task.evaluate([np.asarray(a) for a in arrays], heldout)
        losses.append({"round": server_round, "loss": round(loss, 6), **{k: round(v, 6) for k, v in metrics.items()}})
        return loss, dict(metrics)

    def fit_config(server_round: int) -> dict[str, Scalar]:
        return {"local-epochs": plan.local_epochs, "lr": plan.lr, "round": server_round}

    def weighted_mean(results: list[tuple[int, dict[str, Scalar]]]) -> dict[str, Scalar]:
        total = sum(n for n, _ in results) or 1
        keys = {k for _, m in results for k, v in m.items() if isinstance(v, int | float)}
        return {k: sum(n * float(m.get(k, 0.0)) for n, m in results) / total for k in sorted(keys)}

    common: dict[str, Any] = {
        "fraction_fit": fraction_fit,
        "fraction_evaluate": 0.0,  # the server evaluates on held-out data; clients never send evaluation text
        # the run starts when `min_clients` have joined (server_app.wait_for_clients); a round then goes
        # on as long as a quorum is left, so one client dropping out never stalls the federation
        "min_fit_clients": plan.quorum,
        "min_available_clients": plan.quorum,
        "min_evaluate_clients": 0,
        "evaluate_fn": evaluate_fn,
        "on_fit_config_fn": fit_config,
        "initial_parameters": ndarrays_to_parameters(task.initial_arrays()),
        "accept_failures": True,
        "fit_metrics_aggregation_fn": weighted_mean,
    }
    strategy: Any = FedProx(proximal_mu=plan.proximal_mu, **common) if plan.proximal_mu > 0 else FedAvg(**common)
    if plan.dp:
        strategy = DifferentialPrivacyClientSideFixedClipping(
            strategy,
            noise_multiplier=plan.dp_noise_multiplier,
            clipping_norm=plan.dp_clipping_norm,
            num_sampled_clients=plan.min_clients,
        )
    return strategy
