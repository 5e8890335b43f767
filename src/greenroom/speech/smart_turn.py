"""Semantic end of turn: Smart Turn v3.2 (pipecat-ai, BSD-2-Clause) on onnxruntime, and the registry of turn models.

Smart Turn reads the last 8 s of audio as Whisper log-mel features (`speech.whisper_features`) and gives
the probability that the speaker has finished (a Whisper-tiny encoder with a small head, int8, tens of
milliseconds on one CPU thread). The ONNX file ships inside the `pipecat-ai` wheel, installed with
`--no-deps`; it is found on disk (`speech.models.smart_turn_path`) and never downloaded, and pipecat itself
is not imported.

`load_turn_model` gives the configured model, or None with the reason when it is set to "none" or the file
is missing: the turn detector then runs on its text rules and silences alone (a labelled degraded mode).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from greenroom.config import Settings
from greenroom.errors import ConfigError, GreenroomError
from greenroom.speech.base import TurnEndModel
from greenroom.speech.whisper_features import fit_window, log_mel

_LOCK = threading.Lock()
_CACHE: dict[str, TurnEndModel] = {}


class SmartTurn:
    """Smart Turn v3.2 (CPU, int8): `probability(audio)` that the turn is complete."""

    name = "smart-turn-v3.2"

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime

        from greenroom.speech.models import smart_turn_path

        opts = onnxruntime.SessionOptions()
        opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 4
        opts.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(smart_turn_path()), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._run_lock = threading.Lock()

    def probability(self, audio: np.ndarray) -> float:
        feats = log_mel(fit_window(audio))[None]
        with self._run_lock:
            out = self._session.run(None, {"input_features": feats})
        return float(np.asarray(out[0]).reshape(-1)[0])


#: Turn models by name ("none": rules only). Each loader returns a ready model.
TURN_MODELS: dict[str, Callable[[], TurnEndModel]] = {"smart-turn-v3.2": SmartTurn}


def register_turn_model(name: str, loader: Callable[[], TurnEndModel]) -> None:
    if name in TURN_MODELS or name == "none":
        raise ValueError(f"turn model {name!r} is already registered")
    TURN_MODELS[name] = loader


def load_turn_model(settings: Settings) -> tuple[TurnEndModel | None, str | None]:
    """(model, None), or (None, why) when the detector must run on rules alone. Loaded once per process."""
    name = settings.speech_turn_model
    if name == "none":
        return None, "Semantic end of turn is off (speech_turn_model=none): the room waits for silence."
    if name not in TURN_MODELS:
        raise ConfigError(f"Unknown turn model {name!r}. Use one of: none, {', '.join(sorted(TURN_MODELS))}.")
    with _LOCK:
        if name not in _CACHE:
            try:
                _CACHE[name] = TURN_MODELS[name]()
            except GreenroomError as exc:
                return None, f"{exc.message} The room waits for silence to end your answer (slower)."
            except Exception as exc:  # a broken install must not stop the interview
                why = f"{type(exc).__name__}: {exc}"
                return None, f"The end-of-turn model could not load ({why}); the room waits for silence."
        return _CACHE[name], None
