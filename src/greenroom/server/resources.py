"""The models every live session shares (the `live.base.Models` the sessions use), each loaded once per server process, plus what runs degraded.

The LLM, Whisper, the interviewer's voice and the embedder load lazily (or in a background thread at
server start with `preload`). Loading never happens on the event loop: callers use `asyncio.to_thread`.
A missing piece is reported in `degraded` (shown as a banner) rather than silently replaced:
- the espeak-ng fallback voice when the Piper voice cannot load;
- the small model when the configured LLM is the small packaged default;
- no voice answers when ASR cannot load (typed answers still work).

With `serving_engine` set to `pool` or `ray`, the LLM (and ASR where the engine serves it) come from
that engine (`greenroom.serving`); every model is wrapped in `serving.metrics` timing for /metrics.

While a canary runs (`greenroom models promote ENTRY --canary SHARE`), `interviewer_llm(interview_id)` and
`question_guard_for(interview_id)` give that share of interviews the candidate model and count both arms
(`server/canary.py`); grading always uses production. The candidate runs where production runs: in this
process with the `single` engine, else in a candidate engine of the same kind (`canary.candidate_engine`),
started on the first candidate interview and replaced when the registry names a new candidate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from greenroom.config import Settings
from greenroom.errors import GreenroomError
from greenroom.server.llmlock import LockedChatModel, lock_for, lock_status
from greenroom.serving import metrics

log = logging.getLogger("greenroom.live")

SMALL_PRESETS = {"qwen2.5-coder-1.5b"}


class Resources:
    """Lazily loaded, process-wide models for live sessions. Thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._llm: Any = None
        self._transcriber: Any = None
        self._synth: Any = None
        self._embedder: Any = None
        self._guard: Any = None
        self.errors: dict[str, str] = {}
        self.engine: Any = None  # a `serving.base.Engine` when serving_engine is pool or ray
        self._canary: Any = None
        self._candidate: Any = None
        self._candidate_generation = -1
        self.candidate_engine: Any = None  # the candidate's own engine when production runs on pool or ray

    def start_engine(self) -> None:
        """Start the configured serving engine. The pool returns at once (its workers load their models in
        the background: `degraded()` says the interviewer model is loading until one is ready); Ray
        blocks until its deployments run."""
        if self.settings.serving_engine == "single" or self.engine is not None:
            return
        if self.settings.serving_engine == "pool" and self.settings.llm_base_url:
            log.info("serving: the LLM runs in its own server (%s): no model pool", self.settings.llm_base_url)
            return
        from greenroom.serving.base import create_engine

        engine = create_engine(self.settings)
        engine.start(wait_ready=False)
        self.engine = engine

    # --- each model ---------------------------------------------------------------------------------
    def llm(self) -> Any:
        """The chat model, its weights loaded: a missing or damaged model file raises here, clearly, and the
        next call tries again (so the server recovers once the file is restored)."""
        with self._lock:
            if self.engine is not None:
                retry_load = getattr(self.engine, "retry_load", None)
                if retry_load is not None:  # the pool: raises why its workers cannot load the model, if so
                    retry_load(60.0)
                if self._llm is None:
                    self._llm = self.engine.chat_model(high=True)
                self.errors.pop("llm", None)
                return self._llm
            if self._llm is None:
                from greenroom.llm.factory import create_chat_model

                llm = create_chat_model(self.settings)
                load = getattr(llm, "load", None)
                if load:
                    load()
                self._llm = llm
                self.errors.pop("llm", None)
            return self._llm

    def canary(self) -> Any:
        """The live canary (`server.canary.LiveCanary`), read from the model registry once per process."""
        with self._lock:
            if self._canary is None:
                from greenroom.server.canary import LiveCanary

                self._canary = LiveCanary.from_settings(self.settings)
            return self._canary

    def candidate_llm(self) -> Any:
        """The canary's candidate model where production runs, loaded once per candidate (raises when it
        cannot load): in this process, or served by a candidate engine of production's kind."""
        with self._lock:
            canary = self.canary()
            if self._candidate is not None and self._candidate_generation == canary.generation:
                return self._candidate
            self.close_candidate()
            cand_settings = canary.candidate_settings()
            if self.engine is not None:
                from greenroom.server.canary import candidate_engine

                engine = candidate_engine(cand_settings, self.engine.name)
                try:
                    engine.start()
                except Exception:
                    engine.close()
                    raise
                self.candidate_engine = engine
                self._candidate = engine.chat_model(high=True)
            else:
                from greenroom.llm.factory import create_chat_model

                llm = create_chat_model(cand_settings)
                load = getattr(llm, "load", None)
                if load:
                    load()
                self._candidate = LockedChatModel(llm, lock_for(llm), high=True)
            self._candidate_generation = canary.generation
            return self._candidate

    def close_candidate(self) -> None:
        """Stop the candidate's engine (if any) and forget the candidate model."""
        with self._lock:
            engine, self.candidate_engine, self._candidate = self.candidate_engine, None, None
        if engine is not None:
            engine.close()

    def interviewer_llm(self, interview_id: str | None = None) -> Any:
        """The LLM for the interviewer: goes before any waiting grading call. While a canary runs, the
        candidate for its share of interviews (sticky per `interview_id`); both arms are counted."""
        from greenroom.server.canary import CANDIDATE, PRODUCTION

        canary = self.canary()
        arm = canary.arm(interview_id)
        if arm == CANDIDATE:
            try:
                return metrics.MeteredChatModel(canary.wrap_llm(self.candidate_llm(), CANDIDATE), "llm")
            except Exception as exc:  # a candidate that cannot load is an error of the candidate arm
                log.warning("canary: candidate model failed to load: %s", exc)
                canary.record(CANDIDATE, error=True)
                arm = PRODUCTION
        if self.engine is not None:
            self.llm()  # raises, as the single engine does, when the engine's workers cannot load the model
            return metrics.MeteredChatModel(canary.wrap_llm(self.engine.chat_model(high=True), arm), "llm")
        llm = LockedChatModel(self.llm(), lock_for(self.llm()), high=True)
        return metrics.MeteredChatModel(canary.wrap_llm(llm, arm), "llm")

    def question_guard_for(self, interview_id: str | None = None) -> Any | None:
        """The question guard for one interview (its checks counted for its canary arm), or None."""
        canary = self.canary()
        return canary.wrap_guard(self.try_load("question_guard"), canary.arm(interview_id))

    def grader_llm(self) -> Any:
        """The LLM for background grading: waits while the interviewer needs it."""
        if self.engine is not None:
            self.llm()
            return metrics.MeteredChatModel(self.engine.chat_model(high=False), "grading")
        return metrics.MeteredChatModel(LockedChatModel(self.llm(), lock_for(self.llm()), high=False), "grading")

    def transcriber(self) -> Any:
        with self._lock:
            if self._transcriber is None:
                t = self.engine.transcriber() if self.engine is not None else None
                if t is None:
                    from greenroom.speech.asr import create_transcriber

                    t = create_transcriber(self.settings)
                    load = getattr(t, "load", None)
                    if load:
                        load()
                self._transcriber = metrics.MeteredTranscriber(t)
            return self._transcriber

    def synthesizer(self) -> Any:
        with self._lock:
            if self._synth is None:
                from greenroom.speech.tts import create_synthesizer

                self._synth = create_synthesizer(self.settings, allow_fallback=True)
            return self._synth

    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                from greenroom.embeddings import get_embedder

                self._embedder = get_embedder()
            return self._embedder

    def question_guard(self) -> Any:
        with self._lock:
            if self._guard is None:
                from greenroom.ethics import GUARDS

                self._guard = GUARDS.get("question")(self.embedder())
            return self._guard

    def pause_background(self, on: bool) -> None:
        """Hold background grading's LLM calls while a candidate speaks (balanced calls: on, then off)."""
        if self.engine is not None:
            self.engine.pause_low(on)
            return
        if self._llm is None:  # no model loaded: nothing runs in the background to hold
            return
        lock = lock_for(self._llm)
        if on:
            lock.pause_low()
        else:
            lock.resume_low()

    def observe_turn(self, timing: dict[str, Any]) -> None:
        """A live turn's stage timings, for the latency histograms."""
        metrics.observe_turn(timing)

    def new_anonymizer(self) -> Callable[[str], str]:
        """A fresh anonymiser per interview (placeholders stay consistent within it)."""
        from greenroom.privacy.pii import Anonymizer

        return Anonymizer().anonymize

    # --- status -------------------------------------------------------------------------------------
    def try_load(self, name: str) -> Any | None:
        """Load one model by name; on failure remember why (for the banner) and return None."""
        try:
            loaded = getattr(self, name)()
            self.errors.pop(name, None)  # it loads now: the banner goes
            return loaded
        except GreenroomError as exc:
            self.errors[name] = exc.message
            log.warning("live: %s unavailable: %s", name, exc.message)
            return None
        except Exception as exc:  # a broken install: keep serving typed interviews
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            log.exception("live: %s failed to load", name)
            return None

    def preload(self) -> None:
        """Load everything (run in a thread at server start so the first interview starts fast)."""
        for name in ("synthesizer", "transcriber", "embedder", "question_guard", "llm"):
            self.try_load(name)
        from greenroom.speech.vad import StreamingVad

        try:
            StreamingVad()
        except Exception as exc:
            self.errors["vad"] = str(exc)
        try:  # the PII detector (spaCy) redacts every answer: load it before the first one
            from greenroom.privacy.pii import get_detector

            get_detector().detect("Warm-up sentence from Alice.")
        except Exception as exc:
            self.errors["pii"] = str(exc)

    def start_preload(self) -> threading.Thread:
        thread = threading.Thread(target=self.preload, name="greenroom-preload", daemon=True)
        thread.start()
        return thread

    def degraded(self) -> list[dict[str, str]]:
        """Banners for the pages: what runs degraded right now, in one line each."""
        notes: list[dict[str, str]] = []
        if self._synth is not None and getattr(self._synth, "fallback", False):
            notes.append(
                {
                    "code": "fallback_voice",
                    "detail": "The interviewer speaks with the robotic espeak-ng fallback voice.",
                }
            )
        if "synthesizer" in self.errors:
            notes.append({"code": "no_voice", "detail": f"No interviewer voice: {self.errors['synthesizer']}"})
        if "transcriber" in self.errors:
            notes.append(
                {"code": "no_asr", "detail": f"Spoken answers unavailable (type them): {self.errors['transcriber']}"}
            )
        serving = self.engine.status() if self.engine is not None else {}
        if serving.get("engine") == "pool":  # the workers say whether the model loads
            if serving.get("load_error"):
                self.errors["llm"] = serving["load_error"]
            else:
                self.errors.pop("llm", None)
        if "llm" in self.errors:
            notes.append({"code": "no_llm", "detail": f"The interviewer model is unavailable: {self.errors['llm']}"})
        elif serving.get("engine") == "pool" and not serving.get("ready"):
            notes.append(
                {
                    "code": "llm_loading",
                    "detail": "The interviewer model is loading (a model worker is starting); the first question "
                    "waits for it.",
                }
            )
        preset = self.settings.llm_preset
        if not self.settings.llm_base_url and not self.settings.llm_model_path and preset in SMALL_PRESETS:
            notes.append(
                {
                    "code": "small_model",
                    "detail": f"The interviewer runs on the small embedded model ({preset}); follow-ups and "
                    "feedback are simpler than with a larger model.",
                }
            )
        return notes

    def status(self) -> dict[str, Any]:
        return {
            "loaded": {
                "llm": self._llm is not None,
                "asr": self._transcriber is not None,
                "tts": self._synth is not None,
                "embedder": self._embedder is not None,
            },
            "voice": getattr(self._synth, "name", None),
            "fallback_voice": bool(getattr(self._synth, "fallback", False)),
            "errors": dict(self.errors),
            "degraded": self.degraded(),
            "locks": lock_status(),
            "serving": self.engine.status() if self.engine is not None else {"engine": "single"},
            "canary": self._canary.status() if self._canary is not None else None,
        }
