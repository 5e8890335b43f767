"""The `Engine` protocol (who runs the models for many candidates) and the registry of engines by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from greenroom.config import Settings
from greenroom.registry import Registry


@runtime_checkable
class Engine(Protocol):
    """Runs the models for every live session. The chat models it returns implement `llm.base.ChatModel`,
    the transcriber `speech.base.Transcriber`; callers cannot tell which engine answers."""

    name: str

    def start(self, wait_ready: bool = True) -> None:
        """Start workers or connect to the cluster (call it off the event loop). With `wait_ready` False
        the pool returns at once and its workers load in the background; Ray always blocks."""
        ...

    def chat_model(self, *, high: bool) -> Any:
        """The interviewer's (`high`) or the grader's chat model."""
        ...

    def transcriber(self) -> Any | None:
        """A transcriber served by the engine, or None when ASR stays in the server process."""
        ...

    def pause_low(self, on: bool) -> None:
        """Hold low-priority (grading) requests while a candidate speaks; balanced on/off calls."""
        ...

    def status(self) -> dict[str, Any]:
        """Workers or replicas, utilisation and queue depth, for /api/status and the metrics."""
        ...

    def close(self) -> None: ...


#: The seed's preset for a server with many cores: 2 to 10 workers, scaling at 70 % utilisation.
SERVER_PRESET: dict[str, Any] = {"serving_min_workers": 2, "serving_max_workers": 10, "serving_scale_threshold": 0.7}

EngineFactory = Callable[[Settings], Engine]
ENGINES: Registry[EngineFactory] = Registry("serving engine")


@ENGINES.decorator("pool")
def _pool(settings: Settings) -> Engine:
    from greenroom.serving.pool import LocalPool

    return LocalPool(settings)


@ENGINES.decorator("ray")
def _ray(settings: Settings) -> Engine:
    from greenroom.serving.ray_engine import RayEngine

    return RayEngine(settings)


def create_engine(settings: Settings, name: str | None = None) -> Engine:
    """The engine named in settings (`single` has none: the server holds the models itself)."""
    return ENGINES.get(name or settings.serving_engine)(settings)
