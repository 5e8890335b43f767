"""`analyze_audio_file(path, settings)`: decode, find speech, transcribe and measure delivery in one call.

The CLI's `greenroom analyze FILE` and the web app use it for audio; the video analysis (vision) is
merged beside it by the caller.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from greenroom.config import Settings
from greenroom.speech.audio import decode_audio
from greenroom.speech.base import Transcriber
from greenroom.speech.delivery import DeliveryMetrics, analyze_delivery, find_speech


class AudioAnalysis(BaseModel):
    """The analysis of one audio file."""

    file: str
    duration_s: float
    source_rate: int
    codec: str
    asr_model: str
    language: str
    text: str
    words: list[dict[str, object]]
    delivery: DeliveryMetrics


def analyze_audio_file(
    path: str | Path, settings: Settings, *, transcriber: Transcriber | None = None
) -> AudioAnalysis:
    """Transcript and delivery metrics of an audio file. Raises `InputError`/`NoSpeechError` on bad input."""
    decoded = decode_audio(path, max_seconds=settings.speech_max_audio_s)
    regions = find_speech(decoded.samples, settings.speech_vad_threshold)
    if transcriber is None:
        from greenroom.speech.asr import create_transcriber

        transcriber = create_transcriber(settings)
    transcript = transcriber.transcribe(decoded.samples)
    delivery = analyze_delivery(decoded.samples, transcript, regions=regions)
    data = transcript.to_dict()
    return AudioAnalysis(
        file=str(path),
        duration_s=round(decoded.duration, 3),
        source_rate=decoded.source_rate,
        codec=decoded.codec,
        asr_model=transcript.model,
        language=transcript.language,
        text=transcript.text,
        words=data["words"],  # type: ignore[arg-type]
        delivery=delivery,
    )
