"""Speech commands: `transcribe FILE [--json]` and `speak "TEXT" -o out.wav` (`analyze` is in cli/analyze.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from greenroom.config import get_settings

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def transcribe(
        file: Path = typer.Argument(..., help="Audio file: WAV, FLAC, MP3, OGG/Opus or WebM."),
        as_json: bool = typer.Option(False, "--json", help="Text, words with times, and language as JSON."),
        model: str = typer.Option(None, help="whisper-base, whisper-tiny.en or a local CTranslate2 folder."),
    ) -> None:
        """Transcribe an audio file (offline Whisper)."""
        from greenroom.speech.asr import create_transcriber
        from greenroom.speech.audio import decode_audio
        from greenroom.speech.base import NoSpeechError

        s = get_settings()
        audio = decode_audio(file, max_seconds=s.speech_max_audio_s)
        result = create_transcriber(s, model).transcribe(audio.samples)
        if not result.words:
            raise NoSpeechError(f"No speech detected in {file.name}.")
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
        else:
            typer.echo(result.text)
            console.print(f"[dim]({result.language}, p={result.language_probability:.2f}, {result.model})[/]")

    @app.command()
    def speak(
        text: str = typer.Argument(..., help="What to say."),
        output: Path = typer.Option(..., "-o", "--output", help="WAV file to write."),
        backend: str = typer.Option(None, help="piper (default), espeak (fallback) or coqui."),
    ) -> None:
        """Say TEXT with the interviewer's voice and write it to a WAV file."""
        from greenroom.speech.audio import write_wav
        from greenroom.speech.tts import create_synthesizer

        synth = create_synthesizer(get_settings(), backend, allow_fallback=backend is None)
        audio = synth.synthesize(text)
        write_wav(output, audio.samples, audio.sample_rate)
        label = " [yellow](fallback voice)[/]" if audio.fallback else ""
        console.print(f"wrote {output} ({audio.duration:.1f} s, {audio.voice}){label}")
