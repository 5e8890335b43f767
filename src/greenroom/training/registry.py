"""Model registry, promotion gate and canary: which interviewer model serves, and why.

Public API:

- `Registry(path)`: a JSON record under `<data_dir>/training/registry.json` (our storage). `register(kind, name,
  files, params, evaluation, data_card)` hashes the files (sha256) and returns the entry id; `promote`,
  `rollback`, `status`, and `log` (every decision, with its reasons, is appended).
- `gate(candidate, production, noise)` -> `GateDecision`: promote only when no metric is worse than
  production's by more than its measured test-retest noise (`noise_from_retest(run1, run2)`).
- `set_candidate(entry, share)` starts a canary; `canary()` -> (candidate entry, share) while one runs. An
  entry's `params` may name what serves it: `model_path` (a GGUF) and/or `lora_path` (a GGUF LoRA).
- `CanaryRouter(share)`: a set share of new interviews uses the candidate, sticky per interview id (a hash);
  `start`, `record(arm, error=, latency_s=)` and `checked(arm, blocked=)` keep live counters; `verdict()` says
  `rollback` when the candidate's error or guard-regeneration rate or median latency is worse than
  production's by a margin, or an alert fired (`alert()`). The live server wires it in (`server/canary.py`).

`Registry(path, mirror=MlflowRecord(root))` also mirrors every registration and decision to MLflow's tracking
and model registry on a local SQLite store (`training.mlflow_record`); the JSON record stays the source of
truth: a failing mirror is logged (`mlflow_failed`) and never blocks a decision.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from greenroom.errors import InputError, NotFoundError
from greenroom.training.evaluate import HIGHER_IS_BETTER


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reasons: list[str]


def noise_from_retest(run1: Mapping[str, float], run2: Mapping[str, float]) -> dict[str, float]:
    """Test-retest noise per metric: the absolute difference of two runs of the same model."""
    return {k: abs(float(run1[k]) - float(run2[k])) for k in run1 if k in run2}


def gate(candidate: Mapping[str, float], production: Mapping[str, float], noise: Mapping[str, float]) -> GateDecision:
    """Promote only if no metric is worse than production's by more than its noise."""
    reasons: list[str] = []
    ok = True
    for m, higher in HIGHER_IS_BETTER.items():
        if m not in candidate or m not in production:
            ok = False
            reasons.append(f"{m}: missing from the {'candidate' if m not in candidate else 'production'} evaluation")
            continue
        worse = (production[m] - candidate[m]) if higher else (candidate[m] - production[m])
        allowed = float(noise.get(m, 0.0))
        if worse > allowed:
            ok = False
            reasons.append(f"{m}: worse by {worse:.4f} > noise {allowed:.4f}")
        else:
            reasons.append(f"{m}: {candidate[m]:.4f} vs {production[m]:.4f} (within noise {allowed:.4f})")
    return GateDecision(ok, reasons)


class Registry:
    """Registered models, the production and candidate pointers, and a decision log (one JSON file)."""

    def __init__(self, path: Path, mirror: Any | None = None) -> None:
        self.path = path
        self.mirror = mirror  # an `MlflowRecord`, or None: the JSON record alone
        self.mirror_errors: list[str] = []

    def _mirrored(self, data: dict[str, Any], what: str, fn: Callable[[], Any]) -> Any:
        """Run one MLflow call; a failure is logged in our record (and kept for the CLI to print), never raised."""
        if self.mirror is None:
            return None
        try:
            return fn()
        except Exception as exc:  # mlflow, sqlalchemy and OS errors alike: the JSON record stays authoritative
            msg = f"{what}: {exc.__class__.__name__}: {str(exc)[:300]}"
            self.mirror_errors.append(msg)
            self._log(data, "mlflow_failed", msg)
            return None

    def _decided(self, data: dict[str, Any], entry_id: str | None, event: str, detail: Mapping[str, Any]) -> None:
        where = data["entries"].get(entry_id, {}).get("mlflow") if entry_id else None
        if where:
            n = len(data["log"])
            self._mirrored(data, event, lambda: self.mirror.decided(where, event, detail, n=n))  # type: ignore[union-attr]

    def _alias(self, data: dict[str, Any], alias: str, entry_id: str | None, kind: str) -> None:
        where = data["entries"].get(entry_id, {}).get("mlflow") if entry_id else None
        self._mirrored(
            data,
            f"alias {alias}",
            lambda: self.mirror.alias(where, alias, model=f"greenroom-{kind}"),  # type: ignore[union-attr]
        )

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"entries": {}, "production": None, "candidate": None, "history": [], "log": []}
        return dict(json.loads(self.path.read_text(encoding="utf-8")))

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def _log(self, data: dict[str, Any], event: str, detail: Any) -> None:
        data["log"].append({"at": time.time(), "event": event, "detail": detail})

    def register(
        self,
        kind: str,
        name: str,
        files: Sequence[Path] = (),
        *,
        params: Mapping[str, Any] | None = None,
        evaluation: Mapping[str, float] | None = None,
        noise: Mapping[str, float] | None = None,
        data_card: Mapping[str, Any] | None = None,
    ) -> str:
        data = self._load()
        hashes = {str(f): sha256_file(f) for f in files}
        entry_id = hashlib.sha256(json.dumps([kind, name, hashes], sort_keys=True).encode()).hexdigest()[:12]
        data["entries"][entry_id] = {
            "id": entry_id,
            "kind": kind,
            "name": name,
            "files": hashes,
            "params": dict(params or {}),
            "evaluation": dict(evaluation or {}),
            "noise": dict(noise or {}),
            "data_card": dict(data_card or {}),
            "registered_at": time.time(),
        }
        where = self._mirrored(data, "register", lambda: self.mirror.registered(data["entries"][entry_id]))  # type: ignore[union-attr]
        if where:
            data["entries"][entry_id]["mlflow"] = where
        self._log(data, "register", {"id": entry_id, "name": name})
        self._save(data)
        return entry_id

    def entry(self, entry_id: str) -> dict[str, Any]:
        data = self._load()
        if entry_id not in data["entries"]:
            raise NotFoundError(f"No registered model {entry_id!r}.")
        return dict(data["entries"][entry_id])

    def promote(self, entry_id: str, *, force: bool = False) -> GateDecision:
        """Run the gate against production (first promotion passes); on success the entry serves."""
        data = self._load()
        cand = self.entry(entry_id)
        prod_id = data["production"]
        if prod_id is None:
            decision = GateDecision(True, ["no production model yet: the first registered model is promoted"])
        else:
            prod = data["entries"][prod_id]
            if not cand["evaluation"]:
                raise InputError(f"{entry_id} has no evaluation; run `greenroom evaluate model` first.")
            decision = gate(cand["evaluation"], prod["evaluation"], prod.get("noise") or {})
        if force and not decision.promote:
            decision = GateDecision(True, [*decision.reasons, "forced by the operator"])
        if decision.promote:
            if prod_id is not None:
                data["history"].append(prod_id)
            data["production"] = entry_id
            if data.get("candidate") == entry_id:
                data["candidate"] = None
                data["canary_share"] = 0.0
        event = "promote" if decision.promote else "promote_refused"
        self._log(data, event, {"id": entry_id, **asdict(decision)})
        self._decided(data, entry_id, event, {"production_before": prod_id, **asdict(decision)})
        if decision.promote:
            self._alias(data, "production", entry_id, cand["kind"])
        self._save(data)
        return decision

    def set_candidate(self, entry_id: str | None, share: float = 0.0) -> None:
        """Start `entry_id` as the canary for `share` of new interviews (None: stop the canary)."""
        data = self._load()
        if entry_id is not None:
            self.entry(entry_id)
            if not 0.0 < share <= 1.0:
                raise InputError("The canary share must be above 0 and at most 1.")
        old = data.get("candidate")
        data["candidate"] = entry_id
        data["canary_share"] = share if entry_id else 0.0
        self._log(data, "candidate", {"id": entry_id, "share": data["canary_share"]})
        self._decided(data, entry_id or old, "candidate" if entry_id else "candidate_cleared", {"id": entry_id})
        kind = data["entries"][entry_id or old]["kind"] if (entry_id or old) else "interviewer"
        self._alias(data, "candidate", entry_id, kind)
        self._save(data)

    def rollback(self, reason: str = "operator") -> str | None:
        """Stop any canary; if there is no canary, restore the previous production model. Returns what serves."""
        data = self._load()
        if data.get("candidate"):
            cand = data["candidate"]
            self._log(data, "rollback_canary", {"id": cand, "reason": reason})
            data["candidate"] = None
            data["canary_share"] = 0.0
            self._decided(data, cand, "rollback_canary", {"reason": reason})
            self._alias(data, "candidate", None, data["entries"][cand]["kind"])
        elif data["history"]:
            old = data["production"]
            data["production"] = data["history"].pop()
            self._log(data, "rollback", {"from": old, "to": data["production"], "reason": reason})
            self._decided(data, old, "rollback", {"to": data["production"], "reason": reason})
            self._alias(data, "production", data["production"], data["entries"][old]["kind"])
        else:
            raise InputError("Nothing to roll back: no canary and no earlier production model.")
        self._save(data)
        return data["production"]  # type: ignore[no-any-return]

    def canary(self) -> tuple[dict[str, Any], float] | None:
        """(the candidate entry, its share of new interviews) while a canary runs, else None."""
        data = self._load()
        cand, share = data.get("candidate"), float(data.get("canary_share", 0.0) or 0.0)
        return (dict(data["entries"][cand]), share) if cand and share > 0 else None

    def status(self) -> dict[str, Any]:
        data = self._load()
        return {
            "production": data["production"],
            "candidate": data.get("candidate"),
            "canary_share": data.get("canary_share", 0.0),
            "entries": len(data["entries"]),
            "log": data["log"][-10:],
        }


@dataclass
class ArmCounters:
    """Live counters of one arm: interviews started, model calls, failed calls, guard checks and the checks
    that blocked a generated question (each one a regeneration), and call latencies."""

    interviews: int = 0
    calls: int = 0
    errors: int = 0
    checks: int = 0
    regenerations: int = 0
    latencies: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "interviews": self.interviews,
            "calls": self.calls,
            "errors": self.errors,
            "checks": self.checks,
            "regenerations": self.regenerations,
            "median_latency_s": round(statistics.median(lat), 3) if lat else None,
        }


class CanaryRouter:
    """Sticky share-based routing of new interviews, live counters per arm, and the rollback verdict.

    `start(arm)` counts an interview, `record(arm, error=, latency_s=)` a model call, `checked(arm, blocked=)` a
    guard check (a block means a regeneration). The verdict waits for `min_calls` calls on each arm."""

    def __init__(self, share: float, *, min_calls: int = 20, margin: float = 0.05, latency_ratio: float = 1.5):
        if not 0.0 <= share <= 1.0:
            raise InputError("The canary share must be between 0 and 1.")
        self.share, self.min_calls, self.margin, self.latency_ratio = share, min_calls, margin, latency_ratio
        self.arms = {"candidate": ArmCounters(), "production": ArmCounters()}
        self.alerts: list[str] = []

    def choose(self, interview_id: str) -> str:
        """`candidate` or `production`, the same every time for one interview."""
        h = int(hashlib.sha256(interview_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return "candidate" if h < self.share else "production"

    def start(self, arm: str) -> None:
        self.arms[arm].interviews += 1

    def record(self, arm: str, *, error: bool = False, latency_s: float | None = None) -> None:
        c = self.arms[arm]
        c.calls += 1
        c.errors += int(error)
        if latency_s is not None:
            c.latencies.append(latency_s)

    def checked(self, arm: str, *, blocked: bool) -> None:
        c = self.arms[arm]
        c.checks += 1
        c.regenerations += int(blocked)

    def alert(self, name: str) -> None:
        self.alerts.append(name)

    def verdict(self) -> tuple[str, list[str]]:
        """(`rollback` | `continue` | `wait`, reasons)."""
        if self.alerts:
            return "rollback", [f"alert fired: {a}" for a in self.alerts]
        cand, prod = self.arms["candidate"], self.arms["production"]
        if cand.calls < self.min_calls or prod.calls < self.min_calls:
            return "wait", [f"too few model calls ({cand.calls} candidate, {prod.calls} production)"]
        reasons = []
        rates = [
            ("errors", cand.errors, cand.calls, prod.errors, prod.calls),
            ("regenerations", cand.regenerations, cand.checks, prod.regenerations, prod.checks),
        ]
        for what, nc, dc, np_, dp in rates:
            rc, rp = nc / max(1, dc), np_ / max(1, dp)
            if rc > rp + self.margin:
                reasons.append(f"{what} rate {rc:.2%} vs {rp:.2%}")
        if cand.latencies and prod.latencies:
            lc, lp = statistics.median(cand.latencies), statistics.median(prod.latencies)
            if lc > self.latency_ratio * lp:
                reasons.append(f"median latency {lc:.2f} s vs {lp:.2f} s")
        return ("rollback", reasons) if reasons else ("continue", ["candidate within margins"])

    def check(self, registry: Registry) -> tuple[str, list[str]]:
        """The verdict, acted on: `rollback` stops the canary in the registry (automatic rollback)."""
        decision, reasons = self.verdict()
        if decision == "rollback":
            registry.rollback("canary: " + "; ".join(reasons))
        return decision, reasons

    def snapshot(self) -> dict[str, Any]:
        return {"share": self.share, "alerts": list(self.alerts), **{k: v.to_dict() for k, v in self.arms.items()}}
