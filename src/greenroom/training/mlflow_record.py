"""The model registry's MLflow mirror: tracking and model registry on a local SQLite store, no server.

`MlflowRecord(root)` keeps `root/mlflow.db` (tracking + registry) and `root/mlruns/` (artifacts), both under the
data directory. `training.registry.Registry` calls it beside its own JSON record (which stays the source of
truth, so a missing or broken MLflow never loses a decision):

- `registered(entry)`: one MLflow run per registered model (params, evaluation metrics, noise as
  `noise.<metric>` metrics, file sha256s and the data card as tags and artifacts) and a version of the
  registered model `greenroom-<kind>` pointing at it; returns `{"run_id", "model", "version"}`.
- `decided(entry, event, detail)`: every gate decision, canary start and rollback is stored as a JSON artifact
  of the entry's run (`decisions/<n>-<event>.json`) and as version tags; the aliases `production` and `candidate`
  follow the registry's pointers.

Open it with `mlflow ui --backend-store-uri sqlite:///<data_dir>/training/mlflow.db`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXPERIMENT = "greenroom-models"


class MlflowRecord:
    """MLflow tracking + registry on `root/mlflow.db`; created on first use (importing mlflow takes ~2 s)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = f"sqlite:///{root / 'mlflow.db'}"
        self._client: Any = None
        self._experiment: str | None = None

    def client(self) -> Any:
        if self._client is None:
            import logging

            from mlflow.tracking import MlflowClient

            logging.getLogger("mlflow").setLevel(logging.WARNING)
            logging.getLogger("alembic").setLevel(logging.WARNING)
            self.root.mkdir(parents=True, exist_ok=True)
            client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
            exp = client.get_experiment_by_name(EXPERIMENT)
            self._experiment = (
                exp.experiment_id
                if exp is not None
                else client.create_experiment(EXPERIMENT, artifact_location=(self.root / "mlruns").as_uri())
            )
            self._client = client
        return self._client

    def registered(self, entry: Mapping[str, Any]) -> dict[str, str]:
        """Log one registered model as a run and a model version; returns where it went."""
        c = self.client()
        tags = {"greenroom.entry": entry["id"], "greenroom.kind": entry["kind"], "greenroom.name": entry["name"]}
        tags.update({f"sha256.{Path(f).name}": h for f, h in entry["files"].items()})
        run = c.create_run(self._experiment, run_name=entry["name"], tags=tags)
        rid = run.info.run_id
        for k, v in _flat(entry.get("params") or {}).items():
            c.log_param(rid, k[:250], str(v)[:6000])
        for k, v in (entry.get("evaluation") or {}).items():
            c.log_metric(rid, k, float(v))
        for k, v in (entry.get("noise") or {}).items():
            c.log_metric(rid, f"noise.{k}", float(v))
        c.log_dict(rid, dict(entry), "entry.json")
        if entry.get("data_card"):
            c.log_dict(rid, dict(entry["data_card"]), "data_card.json")
        c.set_terminated(rid)
        model = f"greenroom-{entry['kind']}"
        if not c.search_registered_models(filter_string=f"name = '{model}'"):
            c.create_registered_model(model, description=f"Greenroom {entry['kind']} models (mirror of registry.json)")
        files = list(entry["files"])
        source = Path(files[0]).resolve().as_uri() if files else f"runs:/{rid}/entry.json"
        version = c.create_model_version(model, source=source, run_id=rid, tags={"greenroom.entry": entry["id"]})
        return {"run_id": rid, "model": model, "version": str(version.version)}

    def decided(self, where: Mapping[str, str], event: str, detail: Mapping[str, Any], *, n: int) -> None:
        """Store one decision (gate, canary, rollback) on the entry's run and model version."""
        c = self.client()
        c.log_dict(where["run_id"], {"event": event, "at": time.time(), **detail}, f"decisions/{n:04d}-{event}.json")
        c.set_model_version_tag(where["model"], where["version"], "greenroom.last_decision", event)
        reasons = detail.get("reasons")
        if reasons:
            c.set_model_version_tag(where["model"], where["version"], "greenroom.reasons", json.dumps(reasons)[:4900])

    def alias(self, where: Mapping[str, str] | None, alias: str, *, model: str | None = None) -> None:
        """Point `alias` (production, candidate) at `where`'s version, or remove it from `model` when None."""
        c = self.client()
        if where is not None:
            c.set_registered_model_alias(where["model"], alias, where["version"])
        elif model is not None and c.search_registered_models(filter_string=f"name = '{model}'"):
            if alias in c.get_registered_model(model).aliases:
                c.delete_registered_model_alias(model, alias)

    def aliases(self, model: str) -> dict[str, str]:
        """{alias: version} of one registered model."""
        return {k: str(v) for k, v in self.client().get_registered_model(model).aliases.items()}


def _flat(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out
