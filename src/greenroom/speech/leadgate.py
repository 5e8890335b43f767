"""The lead-silence gate: speech already under way when listening starts is not an answer.

When the interviewer finishes speaking, the microphone may still hear the end of their voice, or the
candidate talking over it. The gate lets audio through only after a first stretch of silence, and says
how much audio it dropped (so times stay on the microphone's clock).
"""

from __future__ import annotations

import numpy as np

from greenroom.speech.base import SAMPLE_RATE
from greenroom.speech.vad import WINDOW, WINDOW_S, StreamingVad

#: Silence needed at the start of a listening window before speech counts.
LEAD_SILENCE_S = 0.8
#: Below this Silero probability a window counts as silence.
SILENCE_PROB = 0.35


class LeadSilenceGate:
    """`feed` audio; it returns nothing until `silence_s` of silence, then the audio after it."""

    def __init__(self, vad: StreamingVad | None = None, silence_s: float = LEAD_SILENCE_S) -> None:
        self.vad = vad or StreamingVad()
        self.silence_s = silence_s
        self.is_open = False
        self.dropped_s = 0.0  # audio seconds dropped before the gate opened
        self._silence = 0.0
        self._fed = 0  # samples fed
        self._windows = 0  # VAD windows seen

    def feed(self, audio: np.ndarray) -> np.ndarray:
        """The part of `audio` after the gate opened (empty while it is closed). Blocks: VAD inference."""
        audio = np.asarray(audio, np.float32).reshape(-1)
        start_of_chunk = self._fed
        self._fed += len(audio)
        if self.is_open:
            return audio
        probs = self.vad.feed(audio)
        for k, p in enumerate(probs):
            self._silence = self._silence + WINDOW_S if p < SILENCE_PROB else 0.0
            if self._silence >= self.silence_s:
                self.is_open = True
                opened_at = (self._windows + k + 1) * WINDOW  # on the gate's own sample clock
                keep = audio[max(0, opened_at - start_of_chunk) :]
                self.dropped_s = (self._fed - len(keep)) / SAMPLE_RATE
                self._windows += len(probs)
                return keep
        self._windows += len(probs)
        return audio[:0]
