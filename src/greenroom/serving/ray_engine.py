"""`RayEngine`: the models as Ray Serve deployments, for a class served by more than one machine.

`greenroom serve --engine ray --ray-address HOST:PORT` connects to a running cluster (`ray start --head`)
and deploys one application per role, each one deployment with autoscaling:
`interviewer` and `grader` (the chat model) and `asr` (Whisper). The target of ongoing requests per
replica is `serving_scale_threshold x serving_worker_capacity`, so Ray scales at the same utilisation
as the local pool; replicas run at most `serving_worker_capacity` requests at once. No HTTP proxy is
started: the server calls the deployments through deployment handles, behind the same `ChatModel` and
`Transcriber` protocols. Ray does the scheduling, health checks and replica restarts.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import greenroom
from greenroom.config import Settings
from greenroom.errors import ConfigError, ServingError
from greenroom.llm.base import M, Message
from greenroom.serving.policy import threads_per_worker

ROLES = ("interviewer", "grader", "asr")
log = logging.getLogger("greenroom.serving")


class ChatReplica:
    """One replica of a chat deployment: loads the model once; one generation at a time."""

    def __init__(self, settings: Settings, threads: int) -> None:
        from greenroom.llm.factory import create_chat_model

        self.model = create_chat_model(settings.model_copy(update={"llm_threads": threads}))
        self.lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        return {"name": self.model.name, "constrained_json": self.model.constrained_json}

    def stream(self, messages: list[Message], kwargs: dict[str, Any]) -> Iterator[str]:
        with self.lock:
            yield from self.model.stream(messages, **kwargs)

    def complete(self, messages: list[Message], kwargs: dict[str, Any]) -> str:
        with self.lock:
            return self.model.complete(messages, **kwargs)

    def structured(self, messages: list[Message], schema: Any, kwargs: dict[str, Any]) -> str:
        with self.lock:
            return self.model.structured(messages, schema, **kwargs).model_dump_json()

    def choice_logits(self, messages: list[Message], choices: list[str]) -> dict[str, float]:
        scorer = getattr(self.model, "choice_logits", None)
        if scorer is None:
            raise ValueError(f"{self.model.name} cannot score fixed replies (no logits)")
        with self.lock:
            return dict(scorer(messages, choices))


class AsrReplica:
    """One replica of the ASR deployment."""

    def __init__(self, settings: Settings, threads: int) -> None:
        from greenroom.speech.asr import create_transcriber

        self.transcriber = create_transcriber(settings.model_copy(update={"speech_asr_threads": threads}))
        if load := getattr(self.transcriber, "load", None):
            load()
        self.lock = threading.Lock()

    def transcribe(self, audio: Any, kwargs: dict[str, Any]) -> Any:
        with self.lock:
            return self.transcriber.transcribe(audio, **kwargs)


def autoscaling_config(settings: Settings) -> dict[str, Any]:
    """Serve's autoscaling_config from our settings (the same threshold and delays as the local pool)."""
    return {
        "min_replicas": settings.serving_min_workers,
        "max_replicas": settings.serving_max_workers,
        "initial_replicas": settings.serving_min_workers,
        "target_ongoing_requests": settings.serving_scale_threshold * settings.serving_worker_capacity,
        "upscale_delay_s": settings.serving_upscale_delay_s,
        "downscale_delay_s": settings.serving_downscale_delay_s,
        "metrics_interval_s": min(2.0, max(0.5, settings.serving_upscale_delay_s / 2)),
        "look_back_period_s": max(2.0, settings.serving_upscale_delay_s * 2),
    }


class RayEngine:
    """Ray Serve deployments behind the `Engine` protocol."""

    name = "ray"

    def __init__(self, settings: Settings, roles: Sequence[str] = ROLES) -> None:
        self.settings = settings
        self.roles = tuple(roles)
        self.handles: dict[str, Any] = {}
        self.info: dict[str, Any] = {}
        self._own_connection = False

    def app_name(self, role: str) -> str:
        return f"{self.settings.serving_ray_app}-{role}"

    def check_address(self) -> None:
        """The cluster must be on this machine or on a host in `allowed_hosts` (the no-egress rule)."""
        host = self.settings.serving_ray_address.rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1") and host not in self.settings.allowed_hosts:
            raise ConfigError(
                f"The Ray cluster host {host!r} is not allowed.",
                hint="Add it to GREENROOM_ALLOWED_HOSTS (a private network you trust: Ray traffic is not encrypted).",
            )

    def start(self, wait_ready: bool = True) -> None:  # deploying waits for the replicas either way
        self.check_address()
        # Never let a Ray call start a private local cluster (Serve's handle threads call Ray after shutdown).
        os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")
        import ray
        from ray import serve

        if not ray.is_initialized():
            src = str(Path(greenroom.__file__).resolve().parent.parent)
            host = self.settings.serving_ray_address.rsplit(":", 1)[0]
            local = {"_node_ip_address": host} if host in ("127.0.0.1", "localhost") else {}
            try:
                ray.init(
                    address=self.settings.serving_ray_address,
                    **local,  # type: ignore[arg-type]
                    runtime_env={"env_vars": {"PYTHONPATH": src, "HF_HUB_OFFLINE": "1"}},
                    logging_level=logging.WARNING,
                    log_to_driver=False,
                )
            except (ConnectionError, RuntimeError) as exc:
                raise ServingError(
                    f"Could not connect to the Ray cluster at {self.settings.serving_ray_address}: {exc}",
                    hint="Start one with `ray start --head --node-ip-address 127.0.0.1`, then pass --ray-address.",
                ) from exc
            self._own_connection = True
        serve.start(proxy_location="Disabled")
        threads = threads_per_worker(self.settings.serving_max_workers)
        options = {
            "autoscaling_config": autoscaling_config(self.settings),
            "max_ongoing_requests": self.settings.serving_worker_capacity,
            "ray_actor_options": {"num_cpus": 1},
            "health_check_period_s": self.settings.serving_health_interval_s * 4,
            "health_check_timeout_s": self.settings.serving_request_timeout_s,
            # An idle replica stops at once when its app is deleted (Serve's defaults wait up to 20 s).
            "graceful_shutdown_wait_loop_s": 0.5,
            "graceful_shutdown_timeout_s": 5.0,
        }
        for role in self.roles:
            cls = AsrReplica if role == "asr" else ChatReplica
            deployment: Any = serve.deployment(cls)
            dep = deployment.options(name=role, **options)
            serve.run(dep.bind(self.settings, threads), name=self.app_name(role), route_prefix=None)
            self.handles[role] = serve.get_deployment_handle(role, app_name=self.app_name(role))
        chat = next((r for r in self.roles if r != "asr"), None)
        if chat:
            self.info = self.handles[chat].info.remote().result(timeout_s=self.settings.serving_request_timeout_s)

    def chat_model(self, *, high: bool) -> Any:
        role = "interviewer" if high else "grader"
        if role not in self.handles:
            role = next(r for r in self.handles if r != "asr")
        return RayChatModel(self, self.handles[role])

    def transcriber(self) -> Any | None:
        return RayTranscriber(self, self.handles["asr"]) if "asr" in self.handles else None

    def pause_low(self, on: bool) -> None:
        """Nothing to hold: the grader has its own replicas on Ray."""

    def replicas(self) -> dict[str, int]:
        """Running replicas per role, from `serve.status()`; none once closed (a Ray call without a
        connection would start a private local cluster)."""
        import ray
        from ray import serve

        if not self.handles or not ray.is_initialized():
            return dict.fromkeys(self.roles, 0)
        out: dict[str, int] = {}
        apps = serve.status().applications
        for role in self.roles:
            app = apps.get(self.app_name(role))
            dep = app.deployments.get(role) if app else None
            states = dep.replica_states.items() if dep else ()
            out[role] = sum(int(n) for state, n in states if str(getattr(state, "value", state)) == "RUNNING")
        return out

    def status(self) -> dict[str, Any]:
        reps = self.replicas()
        return {
            "engine": self.name,
            "address": self.settings.serving_ray_address,
            "replicas": reps,
            "workers": sum(reps.values()),
            "ready": min(reps.values()) if reps else 0,
            "min": self.settings.serving_min_workers,
            "max": self.settings.serving_max_workers,
        }

    def close(self, timeout_s: float = 30.0) -> None:
        """Leave the cluster cleanly: stop the handles' routers (their metrics task would otherwise keep
        logging after the driver is gone), delete our applications and wait until their replicas are
        gone, then disconnect if we connected. The Serve controller stays: the cluster may serve others."""
        import ray
        from ray import serve

        for handle in self.handles.values():
            try:
                handle.shutdown()
            except Exception as exc:  # the cluster may be gone already
                log.debug("ray: handle shutdown: %s", exc)
        self.handles.clear()
        if ray.is_initialized():
            names = [self.app_name(role) for role in self.roles]
            try:
                for name in names:
                    serve.delete(name, _blocking=False)
                end = time.monotonic() + timeout_s
                while set(names) & set(serve.status().applications) and time.monotonic() < end:
                    time.sleep(0.2)
            except Exception as exc:
                log.warning("ray: could not delete the applications %s: %s", names, exc)
        if self._own_connection and ray.is_initialized():
            ray.shutdown()
        self._own_connection = False


class RayChatModel:
    """A `ChatModel` whose calls go to a Ray Serve deployment through its handle."""

    def __init__(self, engine: RayEngine, handle: Any) -> None:
        self.handle = handle
        self.timeout = engine.settings.serving_request_timeout_s
        self.name = str(engine.info.get("name") or engine.settings.llm_preset)
        self.constrained_json = bool(engine.info.get("constrained_json", False))

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "stop": list(stop) if stop else None}
        yield from self.handle.options(stream=True).stream.remote(list(messages), kwargs)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "stop": list(stop) if stop else None}
        return str(self.handle.complete.remote(list(messages), kwargs).result(timeout_s=self.timeout))

    def structured(
        self,
        messages: Sequence[Message],
        schema: type[M],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> M:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature}
        text = self.handle.structured.remote(list(messages), schema, kwargs).result(timeout_s=self.timeout)
        return schema.model_validate_json(text)

    def choice_logits(self, messages: Sequence[Message], choices: Sequence[str]) -> dict[str, float]:
        """`llm.base.ChoiceScorer` on a replica (the grader's truth check)."""
        out = self.handle.choice_logits.remote(list(messages), list(choices)).result(timeout_s=self.timeout)
        return dict(out)


class RayTranscriber:
    """A `Transcriber` whose calls go to the `asr` deployment."""

    def __init__(self, engine: RayEngine, handle: Any) -> None:
        self.handle = handle
        self.timeout = engine.settings.serving_request_timeout_s
        self.name = "ray:asr"

    def transcribe(
        self, audio: Any, *, offset: float = 0.0, prompt: str | None = None, language: str | None = None
    ) -> Any:
        kwargs = {"offset": offset, "prompt": prompt, "language": language}
        return self.handle.transcribe.remote(audio, kwargs).result(timeout_s=self.timeout)
