"""Audio input: decode WAV, FLAC, MP3, OGG/Opus and WebM (MediaRecorder) with PyAV to 16 kHz mono float32.

Every failure is a clear `InputError`: a file that is not audio, a truncated or corrupt file, a clip
longer than the configured maximum, or a sample rate too low to carry speech. Odd but usable rates
(8 to 384 kHz) are resampled.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from greenroom.errors import InputError
from greenroom.speech.base import SAMPLE_RATE

MIN_SOURCE_RATE = 8_000
MAX_SOURCE_RATE = 384_000


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded audio at 16 kHz mono, with what was learnt about the source."""

    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    source_rate: int
    source_channels: int
    codec: str
    container: str

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def check_rate(rate: int) -> None:
    """Refuse sample rates that cannot carry speech or are not real audio rates."""
    if rate < MIN_SOURCE_RATE:
        raise InputError(f"Sample rate {rate} Hz is too low for speech analysis (need at least {MIN_SOURCE_RATE} Hz).")
    if rate > MAX_SOURCE_RATE:
        raise InputError(f"Sample rate {rate} Hz is not a supported audio rate (at most {MAX_SOURCE_RATE} Hz).")


def _too_long(seconds: float, max_seconds: float) -> InputError:
    return InputError(
        f"The audio is {seconds:.0f} s long; the maximum is {max_seconds:.0f} s.",
        hint="Trim it, or raise GREENROOM_SPEECH_MAX_AUDIO_S.",
    )


def decode_audio(source: str | Path | bytes, *, max_seconds: float = 900.0) -> DecodedAudio:
    """Decode a file (or its bytes) to 16 kHz mono float32."""
    import av

    name = str(source) if not isinstance(source, bytes) else "<bytes>"
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"No such audio file: {path}")
        if path.stat().st_size == 0:
            raise InputError(f"{path.name} is empty.")
        with path.open("rb") as f:
            _check_wav_header(f.read(65536), path.stat().st_size, path.name)
    else:
        _check_wav_header(source[:65536], len(source), name)
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        container = av.open(opened, mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{Path(name).name} is not a readable audio file ({_why(exc)}).") from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise InputError(f"{Path(name).name} has no audio track.")
        stream = streams[0]
        rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        if rate <= 0:
            raise InputError(f"{Path(name).name}: cannot tell the audio's sample rate (corrupt header?).")
        check_rate(rate)
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds * 1.02 + 1:
            raise _too_long(declared, max_seconds)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    chunks.append(arr)
                    total += len(arr)
                if total > (max_seconds + 1) * SAMPLE_RATE:
                    raise _too_long(total / SAMPLE_RATE, max_seconds)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise InputError(f"{Path(name).name} is truncated or corrupt ({_why(exc)}).") from None
        codec = stream.codec_context.name or "?"
        fmt = container.format.name or "?"
        channels = int(stream.codec_context.channels or 1)
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise InputError(f"{Path(name).name} holds no audio samples (truncated or empty).")
    # MP3 durations may be estimated from the bit rate (VBR without a Xing header): be lenient there.
    keep = 0.5 if fmt == "mp3" else 0.9
    if declared is not None and declared > 1.0 and len(samples) / SAMPLE_RATE < keep * declared:
        raise InputError(
            f"{Path(name).name} is truncated: its header announces {declared:.1f} s but only "
            f"{len(samples) / SAMPLE_RATE:.1f} s could be decoded."
        )
    if len(samples) / SAMPLE_RATE > max_seconds + 0.5:
        raise _too_long(len(samples) / SAMPLE_RATE, max_seconds)
    return DecodedAudio(np.clip(samples, -1.0, 1.0), rate, channels, codec, fmt)


def _declared_seconds(container: object, stream: object) -> float | None:
    """The duration the file announces, when it does (WAV/FLAC headers do; live WebM does not)."""
    dur = getattr(stream, "duration", None)
    tb = getattr(stream, "time_base", None)
    if dur and tb:
        return float(dur * tb)
    cdur = getattr(container, "duration", None)
    if cdur:
        return float(cdur) / 1_000_000
    return None


def _check_wav_header(head: bytes, size: int, name: str) -> None:
    """A RIFF/WAVE file whose data chunk announces more bytes than the file holds is truncated."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos = 12
    while pos + 8 <= len(head):
        cid, clen = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if cid == b"data":
            if clen in (0, 0xFFFFFFFF):  # written while streaming: length unknown
                return
            have = size - (pos + 8)
            if have < clen * 0.98:
                raise InputError(
                    f"{Path(name).name} is truncated: its header announces {clen} bytes of audio, the file holds {have}."
                )
            return
        pos += 8 + clen + (clen & 1)


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Little-endian 16-bit PCM bytes to float32 in [-1, 1)."""
    if len(data) % 2:
        raise InputError("PCM16 audio must have an even number of bytes.")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float32 samples in [-1, 1] as a 16-bit mono WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """Float32 samples as the bytes of a 16-bit mono WAV file."""
    buf = io.BytesIO()
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()
