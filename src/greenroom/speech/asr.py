"""Speech recognition with faster-whisper (CTranslate2): the embedded Whisper base, tiny.en, or any local folder.

Models load by local path with `local_files_only=True` (loading by name would try the network), once
per process per (folder, device, compute type, threads). Defaults: int8 on CPU, beam size 1, word
timestamps and language detection on, Silero VAD filtering, and a disfluent initial prompt so that
Whisper keeps "um" and "uh" (see `fillers.DISFLUENT_PROMPT`).

`IncrementalTranscriber` transcribes while the candidate speaks: each stretch of speech is transcribed
as soon as a pause closes it, so when the turn ends only the last seconds remain.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.config import Settings
from greenroom.registry import Registry
from greenroom.speech.base import SAMPLE_RATE, Transcriber, Transcript, Word
from greenroom.speech.fillers import DISFLUENT_PROMPT

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str, str, int], Any] = {}

TranscriberFactory = Callable[[Settings, str | None], Transcriber]
TRANSCRIBERS: Registry[TranscriberFactory] = Registry("ASR back-end")


def load_whisper(path: Path, device: str = "cpu", compute_type: str | None = None, threads: int = 0) -> Any:
    """The faster-whisper model for a local folder, loaded once per process."""
    if compute_type is None:
        compute_type = "float16" if device == "cuda" else "int8"
    key = (str(path), device, compute_type, threads)
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            log.info("loading Whisper from %s (%s, %s)", path, device, compute_type)
            _MODELS[key] = WhisperModel(
                str(path),
                device=device,
                compute_type=compute_type,
                cpu_threads=threads,
                num_workers=1,
                local_files_only=True,
            )
        return _MODELS[key]


class FasterWhisperTranscriber:
    """A `Transcriber` on faster-whisper."""

    def __init__(
        self,
        path: Path,
        *,
        name: str = "whisper",
        device: str = "cpu",
        compute_type: str | None = None,
        threads: int = 0,
        beam_size: int = 1,
        language: str | None = None,
        keep_fillers: bool = True,
    ) -> None:
        self.name = name
        self.path = path
        self.device = device
        self.compute_type = compute_type
        self.threads = threads
        self.beam_size = beam_size
        self.language = language
        self.keep_fillers = keep_fillers

    @property
    def model(self) -> Any:
        return load_whisper(self.path, self.device, self.compute_type, self.threads)

    def load(self) -> FasterWhisperTranscriber:
        """Load the model now (it otherwise loads on first use)."""
        _ = self.model
        return self

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """(language code, probability); English-only models answer ("en", 1.0)."""
        model = self.model
        if not model.model.is_multilingual:
            return "en", 1.0
        lang, prob, _ = model.detect_language(audio, vad_filter=True)
        return str(lang), float(prob)

    def transcribe(
        self, audio: np.ndarray, *, offset: float = 0.0, prompt: str | None = None, language: str | None = None
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 audio; word times are shifted by `offset` seconds.

        The language is `language`, else the configured one, else detected first. The disfluent prompt
        is used for English only: on other languages an English prompt makes Whisper loop.
        """
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        duration = len(audio) / SAMPLE_RATE
        language = language or self.language
        prob = 1.0
        if language is None:
            language, prob = self.detect_language(audio)
        if prompt is None and self.keep_fillers and language == "en":
            prompt = DISFLUENT_PROMPT
        segments, _info = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": 1000, "speech_pad_ms": 200},
            initial_prompt=prompt,
            condition_on_previous_text=False,
            temperature=(0.0, 0.2, 0.4),
            log_prob_threshold=None,  # re-decode (sampling) only on repetition loops: keeps results reproducible
        )
        words: list[Word] = []
        texts: list[str] = []
        for seg in segments:
            texts.append(seg.text.strip())
            for w in seg.words or []:
                if w.word.strip():
                    words.append(Word(w.word.strip(), w.start + offset, w.end + offset, float(w.probability)))
        return Transcript(
            text=" ".join(t for t in texts if t),
            words=tuple(words),
            language=language,
            language_probability=prob,
            duration=duration,
            model=self.name,
        )


@TRANSCRIBERS.decorator("faster_whisper")
def _faster_whisper(settings: Settings, model: str | None = None) -> Transcriber:
    from greenroom.speech.models import resolve_asr_model

    name, path = resolve_asr_model(settings, model)
    device = settings.speech_asr_device
    if device == "auto":
        try:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:  # pragma: no cover - ctranslate2 import failure is reported on load
            device = "cpu"
    return FasterWhisperTranscriber(
        path,
        name=name,
        device=device,
        compute_type=settings.speech_asr_compute_type,
        threads=settings.speech_asr_threads,
        beam_size=settings.speech_asr_beam_size,
        language=settings.speech_asr_language,
        keep_fillers=settings.speech_asr_keep_fillers,
    )


def create_transcriber(settings: Settings, model: str | None = None, backend: str = "faster_whisper") -> Transcriber:
    """The configured transcriber (`model`: a short name or a local folder; default from settings)."""
    return TRANSCRIBERS.get(backend)(settings, model)


class IncrementalTranscriber:
    """Transcribe a turn while it is spoken: `add` audio, `commit_until` at pauses, `finish` at the end.

    Audio is committed in stretches that end inside a pause, so no word is cut in two. At `finish`
    only the audio after the last commit is left to transcribe.
    """

    def __init__(self, transcriber: Transcriber, *, max_pending_s: float = 20.0) -> None:
        self.transcriber = transcriber
        self.max_pending_s = max_pending_s
        self._audio: list[np.ndarray] = []
        self._total = 0
        self._committed = 0  # samples already transcribed
        self._words: list[Word] = []
        self._texts: list[str] = []
        self._language = ""
        self._language_p = 0.0
        self._lock = threading.Lock()  # `add` (the feed thread) against `_slice` (a background commit)

    @property
    def duration(self) -> float:
        return self._total / SAMPLE_RATE

    @property
    def committed_s(self) -> float:
        return self._committed / SAMPLE_RATE

    @property
    def text(self) -> str:
        """The text transcribed so far."""
        return " ".join(self._texts)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(self._words)

    def add(self, audio: np.ndarray) -> None:
        a = np.asarray(audio, np.float32).reshape(-1)
        with self._lock:
            self._audio.append(a)
            self._total += len(a)

    def _slice(self, start: int, end: int) -> np.ndarray:
        with self._lock:
            buf = (
                np.concatenate(self._audio)
                if len(self._audio) > 1
                else (self._audio[0] if self._audio else np.zeros(0, np.float32))
            )
            self._audio = [buf]
        return buf[start:end]

    def pending_s(self) -> float:
        return (self._total - self._committed) / SAMPLE_RATE

    def commit_until(self, seconds: float) -> str:
        """Transcribe the audio up to `seconds` (a point inside a pause); returns the new text."""
        end = min(int(seconds * SAMPLE_RATE), self._total)
        if end - self._committed < int(0.3 * SAMPLE_RATE):
            return ""
        chunk = self._slice(self._committed, end)
        t = self.transcriber.transcribe(chunk, offset=self._committed / SAMPLE_RATE, language=self._language or None)
        self._committed = end
        if t.words:
            self._words.extend(t.words)
            self._texts.append(t.text)
            if not self._language:
                self._language, self._language_p = t.language, t.language_probability
        return t.text

    def finish(self) -> Transcript:
        """Transcribe what is left and return the whole turn's transcript."""
        self.commit_until(self._total / SAMPLE_RATE)
        return Transcript(
            text=" ".join(self._texts),
            words=tuple(self._words),
            language=self._language or "unknown",
            language_probability=self._language_p,
            duration=self.duration,
            model=getattr(self.transcriber, "name", "asr"),
        )
