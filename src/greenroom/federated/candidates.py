"""The hand-off to the model registry: a federated aggregate is registered as a *candidate*, never production.

`register_candidate` adds the candidate file to the training registry (`training.registry.Registry`, the
record `greenroom models status|promote|rollback` reads: `<data_dir>/training/registry.json`) with its sha256,
the federation's plan, held-out losses and privacy parameters. It never calls `promote` and never sets the
canary: production changes only through `greenroom evaluate model` and `greenroom models promote` (the gate),
then the canary.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from greenroom.federated.plan import FederationPlan

STAGE = "candidate"
KINDS = {"guard-head": "guard_head", "interviewer-lora": "lora_adapter"}


def registry_path() -> Path:
    """The training registry's file (the same place `greenroom models ...` uses)."""
    from greenroom.config import get_settings

    return get_settings().data_dir / "training" / "registry.json"


def register_candidate(path: Path, plan: FederationPlan, result: dict[str, Any]) -> dict[str, Any]:
    """Register `path` as a candidate; returns `{stage, id, registry}`."""
    from greenroom.training.registry import Registry

    registry = Registry(registry_path())
    name = f"federated-{plan.task}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    entry_id = registry.register(
        KINDS.get(plan.task, plan.task),
        name,
        [path],
        params={
            "source": "federated",
            "stage": STAGE,
            "strategy": plan.strategy_name,
            "plan": plan.to_run_config(),
            "heldout_loss": result.get("heldout_loss"),
            "privacy": result.get("privacy"),
            "clients_joined": result.get("clients_joined"),
        },
    )
    return {"stage": STAGE, "id": entry_id, "registry": str(registry_path())}
