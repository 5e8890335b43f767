"""Greenroom's Flower ClientApp: local training on this machine's prepared features; parameters out only.

The SuperNode (`greenroom federated join`) loads `app` from here. Per message it builds a `NumPyClient`
over the task the run names (`task` in the run config) and the node's features (`data-dir` in the node
config, written by `local_data.prepare`). A reply carries the new parameters, the example count and a few
numeric metrics, nothing else. Mods, outermost first: `audit_mod` (records what leaves), then Flower's
`secaggplus_mod` when the server runs SecAgg+, then Flower's `fixedclipping_mod` when it runs client-side DP.
The ClientApp process turns on the egress guard with no extra host: it talks to its SuperNode on loopback only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flwr.client import ClientApp, NumPyClient
from flwr.client.mod import fixedclipping_mod, secaggplus_mod
from flwr.common import Context
from flwr.common.differential_privacy_constants import KEY_CLIPPING_NORM
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS

from greenroom.federated.audit import audit_mod
from greenroom.federated.base import Arrays, FederatedTask, LocalData
from greenroom.federated.guard_task import GuardHeadTask
from greenroom.federated.local_data import load_features
from greenroom.privacy import netguard

#: Where a member keeps its LoRA training folder (`greenroom train data` output from opted-in sessions).
LORA_DATA_DIR = "lora-data"


class GreenroomClient(NumPyClient):  # type: ignore[misc]
    """Trains and evaluates one task on this node's local features."""

    def __init__(self, task: FederatedTask, data: Any) -> None:
        self.task = task
        self.data = data

    def get_parameters(self, config: dict[str, Any]) -> Arrays:
        return self.task.initial_arrays()

    def fit(self, parameters: Arrays, config: dict[str, Any]) -> tuple[Arrays, int, dict[str, Any]]:
        res = self.task.fit(
            parameters,
            self.data,
            epochs=int(config.get("local-epochs", 1)),
            lr=float(config.get("lr", 0.5)),
            proximal_mu=float(config.get("proximal_mu", 0.0)),
        )
        return res.arrays, res.num_examples, dict(res.metrics)

    def evaluate(self, parameters: Arrays, config: dict[str, Any]) -> tuple[float, int, dict[str, Any]]:
        loss, metrics = self.task.evaluate(parameters, self.data)
        n = len(self.data) if isinstance(self.data, LocalData) else int(metrics.get("examples", 1))
        return loss, n, dict(metrics)


def task_from_run_config(run_config: dict[str, Any], node_config: dict[str, Any] | None = None) -> FederatedTask:
    """The task a run names; the guard head takes its class list from the run so every node agrees; the
    LoRA task takes the base model path from the node (`lora-base`), since it differs per machine."""
    from greenroom.federated.base import create_task

    name = str(run_config.get("task", "guard-head"))
    if name == "guard-head":
        classes = tuple(c for c in str(run_config.get("classes", "")).split(",") if c)
        return GuardHeadTask(classes=classes or None)
    if name == "interviewer-lora":
        base = str((node_config or {}).get("lora-base") or "")
        if not base:
            raise ValueError("This SuperNode has no lora-base (the interviewer's base model) in its node config.")
        return create_task(name, base=Path(base), local_steps=int(run_config.get("lora-steps", 4)))
    return create_task(name)


def client_fn(context: Context) -> Any:
    netguard.install(())
    task = task_from_run_config(dict(context.run_config), dict(context.node_config))
    data_dir = context.node_config.get("data-dir")
    if not data_dir:
        raise ValueError("This SuperNode has no data-dir in its node config.")
    data: Any
    if isinstance(task, GuardHeadTask):
        features = load_features(Path(str(data_dir)))
        data = LocalData(features.x, task.labels(list(features.label_names)), source="features")
    else:  # the LoRA task: a `training.data.build_datasets` folder of this member's opted-in sessions
        data = Path(str(context.node_config.get("lora-data") or Path(str(data_dir)) / LORA_DATA_DIR))
    return GreenroomClient(task, data).to_client()


def privacy_mod(msg: Any, ctxt: Any, call_next: Any) -> Any:
    """Flower's SecAgg+ and fixed-clipping mods, each applied when the server's message asks for it."""
    from flwr.common.constant import MessageType

    if msg.metadata.message_type != MessageType.TRAIN:
        return call_next(msg, ctxt)
    inner = call_next
    fit_cfg = msg.content.config_records.get("fitins.config")
    if fit_cfg is not None and KEY_CLIPPING_NORM in fit_cfg:

        def inner(m: Any, c: Any) -> Any:
            return fixedclipping_mod(m, c, call_next)

    if RECORD_KEY_CONFIGS in msg.content.config_records:
        return secaggplus_mod(msg, ctxt, inner)
    return inner(msg, ctxt)


app = ClientApp(client_fn=client_fn, mods=[audit_mod, privacy_mod])
