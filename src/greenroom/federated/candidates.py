"""The hand-off to the model registry: a federated aggregate is registered as a *candidate*, never production.

`register_candidate` records the candidate file (sha256), the federation's plan, held-out losses and
privacy parameters. Promotion is only through the gate (`greenroom models promote`), which evaluates the
candidate against production; nothing here can change which model is in production.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from greenroom.federated.plan import FederationPlan

STAGE = "candidate"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def register_candidate(path: Path, plan: FederationPlan, result: dict[str, Any]) -> dict[str, Any]:
    """Register `path` as a candidate; returns the registry record."""
    from greenroom.config import get_settings

    record = {
        "kind": "guard_head" if plan.task == "guard-head" else plan.task,
        "stage": STAGE,
        "path": str(path),
        "sha256": _sha256(path),
        "source": "federated",
        "strategy": plan.strategy_name,
        "plan": plan.to_run_config(),
        "heldout_loss": result.get("heldout_loss"),
        "privacy": result.get("privacy"),
        "registered_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    log = get_settings().data_dir / "federated" / "candidates.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return {"stage": STAGE, "sha256": record["sha256"], "log": str(log)}
