"""`analyze_video_file` on WebM/MP4/MKV clips written with PyAV, and its clear errors on bad input."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.errors import InputError, NotFoundError
from greenroom.vision import analyze_video_file
from greenroom.vision.backends import Analyzers
from greenroom.vision.results import NO_FACE_MESSAGE

from .clips import astronaut, no_face, on_canvas, write_video

pytestmark = pytest.mark.slow  # loads the real MediaPipe models


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def presence_webm(clip_dir: Path) -> Path:
    """2 s at 10 fps: 1 s of face, 0.5 s with the face cropped out, 0.5 s of face."""
    face, empty = on_canvas(astronaut(), scale=1.3, dx=60, dy=110), on_canvas(no_face(astronaut()))
    return write_video(clip_dir / "presence.webm", [face] * 10 + [empty] * 5 + [face] * 5, fps=10)


def test_webm_presence_and_turns(presence_webm: Path, vision_settings: Settings, models: Analyzers) -> None:
    r = analyze_video_file(presence_webm, vision_settings, analyzers=models, turns=[("a", 0.0, 0.95), ("b", 1.0, 1.45)])
    assert r.source == "presence.webm" and not r.has_audio
    assert (r.width, r.height) == (640, 480) and r.frames_decoded == 20
    assert r.summary.frames == 20
    assert r.summary.face.presence_ratio == pytest.approx(15 / 20, abs=0.05)
    assert r.duration_s == pytest.approx(2.0, abs=0.01)
    a, b = r.turns
    assert a.face.presence_ratio == 1.0 and a.face.eye_contact_ratio == 1.0
    assert b.message == NO_FACE_MESSAGE and b.face.eye_contact_ratio is None
    assert len(r.timeline.t) == 2


def test_sampling_rate_is_configurable(presence_webm: Path, vision_settings: Settings, models: Analyzers) -> None:
    r = analyze_video_file(
        presence_webm, vision_settings.model_copy(update={"vision_sample_fps": 5.0}), analyzers=models
    )
    assert r.frames_decoded == 20 and r.summary.frames == 10
    assert r.summary.fps == pytest.approx(5.0)


def test_mp4_with_audio_track(clip_dir: Path, vision_settings: Settings, models: Analyzers) -> None:
    path = clip_dir / "talk.mp4"
    face = on_canvas(astronaut(), scale=1.3, dx=60, dy=110)
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=10)
        v.width, v.height, v.pix_fmt = 640, 480, "yuv420p"
        a = out.add_stream("aac", rate=16000)
        for _ in range(10):
            for pkt in v.encode(av.VideoFrame.from_ndarray(face, format="rgb24")):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)
        tone = (0.2 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)).astype(np.float32)[None, :]
        af = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
        af.sample_rate, af.pts, af.time_base = 16000, 0, Fraction(1, 16000)
        for pkt in list(a.encode(af)) + list(a.encode()):
            out.mux(pkt)
    r = analyze_video_file(path, vision_settings, analyzers=models)
    assert r.has_audio and r.summary.face.presence_ratio == 1.0


@pytest.mark.parametrize(("pix_fmt", "dtype"), [("gray", np.uint8), ("gray16le", np.uint16)])
def test_grey_and_16bit_video(
    clip_dir: Path, vision_settings: Settings, models: Analyzers, pix_fmt: str, dtype: type
) -> None:
    """Lossless FFV1 in Matroska, grey 8-bit and 16-bit: converted to 8-bit RGB, face still found."""
    import cv2

    grey = cv2.cvtColor(on_canvas(astronaut(), scale=1.3, dx=60, dy=110), cv2.COLOR_RGB2GRAY).astype(dtype)
    if dtype is np.uint16:
        grey = grey * 257
    path = clip_dir / f"{pix_fmt}.mkv"
    with av.open(str(path), "w") as out:
        st = out.add_stream("ffv1", rate=10)
        st.width, st.height, st.pix_fmt = 640, 480, pix_fmt
        for _ in range(3):
            for pkt in st.encode(av.VideoFrame.from_ndarray(grey, format=pix_fmt)):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    r = analyze_video_file(path, vision_settings, analyzers=models)
    assert r.summary.frames == 3 and r.summary.face.presence_ratio == 1.0


def test_huge_resolution_is_downscaled(clip_dir: Path, vision_settings: Settings, models: Analyzers) -> None:
    import cv2

    big = cv2.resize(on_canvas(astronaut(), scale=1.3, dx=60, dy=110), (3840, 2880))
    path = write_video(clip_dir / "huge.mp4", [big] * 2, fps=10)
    r = analyze_video_file(path, vision_settings, analyzers=models)
    assert (r.width, r.height) == (1280, 960)
    assert any("downscaled from 3840x2880" in n for n in r.notes)
    assert r.summary.face.presence_ratio == 1.0


def _bytes_of(p: Path) -> bytes:
    return p.read_bytes()


def test_bad_files_get_clear_errors(
    clip_dir: Path, presence_webm: Path, vision_settings: Settings, models: Analyzers
) -> None:
    import wave

    good = _bytes_of(presence_webm)
    cases: dict[str, tuple[bytes, str]] = {
        "empty.mp4": (b"", "is empty"),
        "junk.mp4": (bytes(range(256)) * 20, "not a video file, or corrupt"),
        # The Matroska codec ID rewritten to one FFmpeg does not know.
        "codec.webm": (good.replace(b"V_VP8", b"V_ZZ8"), "unsupported video codec"),
        # Header and the start of the first cluster only: a video stream, but no complete frame.
        "noframes.webm": (good[: good.find(b"\x1f\x43\xb6\x75") + 200], "no decodable video frames"),
    }
    assert b"V_VP8" in good
    for name, (data, message) in cases.items():
        path = clip_dir / name
        path.write_bytes(data)
        with pytest.raises(InputError, match=message):
            analyze_video_file(path, vision_settings, analyzers=models)
    wav = clip_dir / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(1600, np.int16).tobytes())
    with pytest.raises(InputError, match="no video stream"):
        analyze_video_file(wav, vision_settings, analyzers=models)
    with pytest.raises(NotFoundError):
        analyze_video_file(clip_dir / "missing.webm", vision_settings, analyzers=models)


def test_phone_video_display_rotation_is_applied(clip_dir: Path, vision_settings: Settings, models: Analyzers) -> None:
    """A portrait MP4 stored sideways with a 90-degree display rotation (as phones record) reads upright."""
    import shutil
    import subprocess

    assert shutil.which("ffmpeg"), "ffmpeg (Debian package, in scripts/install.sh) is needed to tag the rotation"
    upright = on_canvas(astronaut(), scale=1.3, dx=60, dy=110)
    # Stored turned clockwise; the tag asks players to turn it back (counter-clockwise) for display.
    sideways = write_video(clip_dir / "sideways.mp4", [np.ascontiguousarray(np.rot90(upright, -1))] * 3, fps=10)
    tagged = clip_dir / "phone.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(sideways),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
            str(tagged),
        ],
        check=True,
    )
    # FFmpeg's own player is the reference for which way the tag turns the picture.
    shown = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(tagged), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    shown_rgb = np.frombuffer(shown, np.uint8).reshape(upright.shape).astype(int)
    assert np.abs(shown_rgb - upright).mean() < 12, "ffmpeg shows the tagged clip upright"
    r = analyze_video_file(tagged, vision_settings, analyzers=models)
    assert (r.width, r.height) == (640, 480)
    assert any("rotated by 90" in n for n in r.notes)
    assert r.summary.face.presence_ratio == 1.0
    assert r.summary.face.roll_deg is not None and abs(r.summary.face.roll_deg) < 8


def test_truncated_file_gives_a_partial_result_that_says_so(
    clip_dir: Path, vision_settings: Settings, models: Analyzers
) -> None:
    face = on_canvas(astronaut(), scale=1.3, dx=60, dy=110)
    # MPEG-4 Part 2 in Matroska: a deterministic encoder (libvpx's frame sizes vary from run to run), and a
    # container that can be read up to where it was cut (an MP4 without its index cannot).
    full = write_video(clip_dir / "long.mkv", [np.roll(face, 3 * i, axis=1) for i in range(40)], fps=10)
    cut = clip_dir / "cut.mkv"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    r = analyze_video_file(cut, vision_settings.model_copy(update={"vision_pose_enabled": False}), analyzers=models)
    assert 0 < r.summary.frames < 40
    assert any("could be decoded" in n or "Decoding stopped" in n for n in r.notes)
