"""The canary in the live interview service: a set share of new interviews uses the candidate model.

`LiveCanary.from_settings(settings)` reads the model registry (`<data_dir>/training/registry.json`, written by
`greenroom models promote ENTRY --canary SHARE`), and reads it again at each new interview (`refresh`): a
canary started, re-shared or stopped from the CLI takes effect for the next interview without a server restart
(a new candidate starts fresh counters and bumps `generation`, so the server loads it; calls of an earlier
candidate's interviews no longer count).
While a canary runs:

- `arm(interview_id)` is `candidate` for the registry's share of interviews, sticky per interview (a hash of
  its id: the same interview gets the same model after a reconnect or a server restart);
- the candidate runs where production runs: in the server process with the `single` engine, and with `pool`
  or `ray` in an engine of the same kind of its own (`candidate_engine`: one pool worker, or an
  interviewer-only Ray Serve app `<serving_ray_app>-canary` of one replica);
- `wrap_llm(llm, arm)` counts every model call of that arm (errors, latency) and `wrap_guard(guard, arm)`
  counts guard checks and blocks (each block makes the interviewer regenerate its question);
- after each count the router's verdict is checked: when the candidate is worse than production (error or
  regeneration rate above production's by `canary_margin`, median latency above `canary_latency_ratio` times
  production's, once both arms made `canary_min_calls` calls), or when the serving monitor fires an alert
  (`alert(rule)`), the canary is rolled back automatically: the registry records it (and mirrors it to
  MLflow) and every new interview uses production again;
- the counters are written to `<data_dir>/training/canary.json` (`greenroom models status` prints them).

Without a running canary every interview uses production and nothing is counted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from greenroom.config import Settings

log = logging.getLogger("greenroom.canary")

CANDIDATE, PRODUCTION = "candidate", "production"


def registry_for(settings: Settings) -> Any:
    from greenroom.training.mlflow_record import MlflowRecord
    from greenroom.training.registry import Registry

    root = settings.data_dir / "training"
    return Registry(root / "registry.json", MlflowRecord(root) if settings.training_mlflow else None)


def candidate_engine(settings: Settings, kind: str) -> Any:
    """A serving engine of production's `kind` (pool, ray) for the candidate's `settings`: one pool worker
    (no ASR), or a Ray Serve app named `<serving_ray_app>-canary` with one interviewer replica."""
    s = settings.model_copy(
        update={
            "serving_min_workers": 1,
            "serving_max_workers": 1,
            "serving_worker_asr": False,
            "serving_ray_app": f"{settings.serving_ray_app}-canary",
        }
    )
    if kind == "ray":
        from greenroom.serving.ray_engine import RayEngine

        return RayEngine(s, roles=("interviewer",))
    from greenroom.serving.base import create_engine

    return create_engine(s, kind)


def candidate_settings(settings: Settings, entry: dict[str, Any]) -> Settings:
    """The settings that serve a registry entry: its `model_path` GGUF and/or `lora_path` adapter."""
    from greenroom.errors import InputError

    params = entry.get("params") or {}
    update: dict[str, Any] = {}
    if params.get("model_path"):
        update["llm_model_path"] = Path(params["model_path"])
    if params.get("lora_path"):
        update["llm_lora_path"] = Path(params["lora_path"])
    if not update:
        raise InputError(f"Registry entry {entry.get('id')} names no model_path or lora_path to serve.")
    return settings.model_copy(update=update)


class LiveCanary:
    """Routing, live counters and automatic rollback for the server's interviews."""

    def __init__(self, settings: Settings, registry: Any, entry: dict[str, Any] | None, share: float) -> None:
        from greenroom.training.registry import CanaryRouter

        self.settings, self.registry, self.entry = settings, registry, entry
        self.router = CanaryRouter(
            share if entry else 0.0,
            min_calls=settings.canary_min_calls,
            margin=settings.canary_margin,
            latency_ratio=settings.canary_latency_ratio,
        )
        self.active = entry is not None and share > 0
        self.ended: list[str] = []
        self.generation = 0  # bumped when a new candidate starts (the server reloads the candidate model)
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()
        self.path = settings.data_dir / "training" / "canary.json"

    @classmethod
    def from_settings(cls, settings: Settings) -> LiveCanary:
        registry = registry_for(settings)
        try:
            running = registry.canary()
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged registry must not stop the server
            log.warning("canary: the model registry could not be read (%s); every interview uses production", exc)
            running = None
        entry, share = running if running else (None, 0.0)
        canary = cls(settings, registry, entry, share)
        if canary.active:
            log.info("canary: %s serves %.0f%% of new interviews", entry["id"] if entry else "", 100 * share)
            canary._write()
        return canary

    # --- routing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the registry (a small JSON file): a new share of the running canary applies to new
        interviews; a new candidate starts fresh counters (`generation` + 1); no canary ends this one."""
        try:
            running = self.registry.canary()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("canary: the model registry could not be read (%s); the routing is unchanged", exc)
            return
        from greenroom.training.registry import CanaryRouter

        entry, share = running if running else (None, 0.0)
        with self._lock:
            if entry is None:
                if not self.active:
                    return
                log.info("canary: stopped in the registry; every new interview uses production")
                self.active = False
            elif self.entry is None or entry.get("id") != self.entry.get("id") or not self.active:
                self.entry, self.ended, self._seen = entry, [], {}
                self.router = CanaryRouter(
                    share,
                    min_calls=self.settings.canary_min_calls,
                    margin=self.settings.canary_margin,
                    latency_ratio=self.settings.canary_latency_ratio,
                )
                self.active, self.generation = True, self.generation + 1
                log.info("canary: %s serves %.0f%% of new interviews", entry.get("id"), 100 * share)
            elif share != self.router.share:
                log.info("canary: share %.0f%% -> %.0f%% of new interviews", 100 * self.router.share, 100 * share)
                self.router.share = share
            else:
                return
        self._write()

    def arm(self, interview_id: str | None) -> str:
        """Which model serves this interview (sticky); production when no canary runs. A new interview first
        re-reads the registry when it changed (`refresh`)."""
        if not interview_id:
            return PRODUCTION
        if interview_id not in self._seen:
            self.refresh()
        if not self.active:
            return PRODUCTION
        with self._lock:
            if interview_id not in self._seen:
                self._seen[interview_id] = self.router.choose(interview_id)
                self.router.start(self._seen[interview_id])
            return self._seen[interview_id]

    def candidate_settings(self) -> Settings:
        assert self.entry is not None
        return candidate_settings(self.settings, self.entry)

    def wrap_llm(self, llm: Any, arm: str) -> Any:
        return CountedChatModel(llm, self, arm) if self.active else llm

    def record_for(self, generation: int, arm: str, *, error: bool = False, latency_s: float | None = None) -> None:
        """`record`, if the call belongs to the running candidate's generation (not to a replaced one)."""
        if generation == self.generation:
            self.record(arm, error=error, latency_s=latency_s)

    def wrap_guard(self, guard: Any, arm: str) -> Any:
        return CountedGuard(guard, self, arm) if (self.active and guard is not None) else guard

    # --- counters and verdicts ----------------------------------------------------------------------
    def record(self, arm: str, *, error: bool = False, latency_s: float | None = None) -> None:
        with self._lock:
            if not self.active:
                return
            self.router.record(arm, error=error, latency_s=latency_s)
        self._judge()

    def checked(self, arm: str, *, blocked: bool) -> None:
        with self._lock:
            if not self.active:
                return
            self.router.checked(arm, blocked=blocked)
        self._judge()

    def alert(self, rule: str) -> None:
        """A serving-monitor alert: the canary is rolled back at once."""
        with self._lock:
            if not self.active:
                return
            self.router.alert(rule)
        self._judge()

    def on_alert(self, alert: Any) -> None:
        """`serving.monitor.Monitor` listener."""
        self.alert(str(getattr(alert, "rule", alert)))

    def _judge(self) -> None:
        with self._lock:
            if not self.active:
                return
            decision, reasons = self.router.verdict()
            if decision == "rollback":
                self.active = False  # new interviews use production from now on
                self.ended = reasons
        if decision == "rollback":
            log.warning("canary rolled back: %s", "; ".join(reasons))
            self.registry.rollback("canary: " + "; ".join(reasons))
        self._write()

    def status(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "candidate": self.entry["id"] if self.entry else None,
            "rolled_back": self.ended,
            "counters": self.router.snapshot(),
            "updated_at": time.time(),
        }

    def _write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.status(), indent=2) + "\n", encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("canary: counters not written: %s", exc)


class CountedChatModel:
    """A `ChatModel` whose calls are counted for one canary arm (errors and latency); otherwise the same."""

    def __init__(self, inner: Any, canary: LiveCanary, arm: str) -> None:
        self.inner, self.canary, self.arm = inner, canary, arm
        self.generation = canary.generation

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _record(self, *, error: bool = False, latency_s: float | None = None) -> None:
        self.canary.record_for(self.generation, self.arm, error=error, latency_s=latency_s)

    def _timed(self, method: str, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            out = getattr(self.inner, method)(*args, **kwargs)
        except Exception:
            self._record(error=True)
            raise
        self._record(latency_s=time.perf_counter() - t)
        return out

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("complete", *args, **kwargs)

    def structured(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("structured", *args, **kwargs)

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            yield from self.inner.stream(*args, **kwargs)
        except Exception:
            self._record(error=True)
            raise
        self._record(latency_s=time.perf_counter() - t)


class CountedGuard:
    """The question guard, its checks and blocks counted for one canary arm."""

    def __init__(self, inner: Any, canary: LiveCanary, arm: str) -> None:
        self.inner, self.canary, self.arm = inner, canary, arm
        self.generation = canary.generation

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def check(self, *args: Any, **kwargs: Any) -> Any:
        verdict = self.inner.check(*args, **kwargs)
        if self.generation == self.canary.generation:  # not a replaced candidate's interview
            self.canary.checked(self.arm, blocked=not getattr(verdict, "allowed", True))
        return verdict
