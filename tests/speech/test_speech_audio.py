"""Decoding every supported format with PyAV, and clear errors for bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from greenroom.errors import InputError
from greenroom.speech.audio import decode_audio, pcm16_to_float, wav_bytes

from .speechgen import SR, Generated, espeak, wer

FORMATS = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "ogg": ["-c:a", "libopus", "-b:a", "32k"],
    "webm": ["-c:a", "libopus", "-b:a", "32k"],
}


def ffmpeg(src: Path, dst: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), *args, str(dst)], check=True)
    return dst


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_formats_decode_to_16k_mono(ext: str, answer: Generated, answer_wav: Path, audio_dir: Path) -> None:
    out = ffmpeg(answer_wav, audio_dir / f"answer.{ext}", *FORMATS[ext])
    d = decode_audio(out)
    assert d.samples.dtype == np.float32 and d.samples.ndim == 1
    assert d.duration == pytest.approx(answer.duration, abs=0.1)
    # the waveform is the same speech: correlate the energy envelopes
    n = min(len(d.samples), len(answer.audio)) // 800 * 800
    env_a = np.abs(answer.audio[:n]).reshape(-1, 800).mean(1)
    env_b = np.abs(d.samples[:n]).reshape(-1, 800).mean(1)
    assert np.corrcoef(env_a, env_b)[0, 1] > 0.9


@pytest.mark.slow
def test_webm_opus_recording_is_transcribed(base_asr, answer: Generated, answer_wav: Path, audio_dir: Path) -> None:
    """What the browser's MediaRecorder sends: Opus in WebM, 48 kHz, stereo."""
    webm = ffmpeg(answer_wav, audio_dir / "browser.webm", "-ar", "48000", "-ac", "2", "-c:a", "libopus")
    d = decode_audio(webm)
    assert d.container.startswith("matroska") and d.codec == "opus" and d.source_rate == 48000
    assert wer(answer.text, base_asr.transcribe(d.samples).text) <= 0.2


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 96000])
def test_odd_sample_rates_are_resampled(rate: int, tmp_path: Path) -> None:
    audio = espeak("Testing the sample rate.")
    src = tmp_path / "16k.wav"
    sf.write(src, audio, SR)
    out = tmp_path / f"{rate}.wav"
    subprocess.run(["sox", str(src), "-r", str(rate), str(out)], check=True)
    d = decode_audio(out)
    assert d.source_rate == rate
    assert d.duration == pytest.approx(len(audio) / SR, abs=0.02)


def test_too_low_sample_rate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "4k.wav"
    sf.write(path, np.zeros(4000, np.float32), 4000)
    with pytest.raises(InputError, match="4000 Hz is too low"):
        decode_audio(path)


def test_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is a text file, not a recording\n" * 20)
    with pytest.raises(InputError, match="not a readable audio file"):
        decode_audio(path)
    with pytest.raises(InputError, match="not a readable audio file"):
        decode_audio(b"\x00\x01garbage" * 100)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        decode_audio(empty)
    with pytest.raises(InputError, match="No such audio file"):
        decode_audio(tmp_path / "missing.wav")


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
def test_truncated_files(ext: str, answer_wav: Path, audio_dir: Path, tmp_path: Path) -> None:
    full = answer_wav if ext == "wav" else ffmpeg(answer_wav, audio_dir / f"trunc-src.{ext}", *FORMATS[ext])
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="truncated"):
        decode_audio(cut)


def test_too_long_clip(answer_wav: Path) -> None:
    with pytest.raises(InputError, match="maximum is 5 s"):
        decode_audio(answer_wav, max_seconds=5)


def test_bytes_and_pcm_helpers(answer: Generated) -> None:
    d = decode_audio(wav_bytes(answer.audio, SR))
    assert np.max(np.abs(d.samples - answer.audio[: len(d.samples)])) < 1e-3
    pcm = (answer.audio * 32767).astype("<i2").tobytes()
    assert np.allclose(pcm16_to_float(pcm), answer.audio, atol=1e-3)
    with pytest.raises(InputError):
        pcm16_to_float(b"\x00\x01\x02")
