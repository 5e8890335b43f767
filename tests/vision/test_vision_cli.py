"""The `greenroom analyze-video` command, and the import rules of the vision package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .clips import astronaut, no_face, on_canvas, write_video

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "GREENROOM_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    code = "from greenroom.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_analyze_video_json(tmp_path: Path) -> None:
    frames = [on_canvas(astronaut(), scale=1.3, dx=60, dy=110)] * 6 + [on_canvas(no_face(astronaut()))] * 4
    clip = write_video(tmp_path / "answer.webm", frames, fps=10)
    out = _cli(["analyze-video", str(clip), "--json", "--no-pose"], tmp_path / "data")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["source"] == "answer.webm" and doc["has_audio"] is False
    assert doc["summary"]["face"]["presence_ratio"] == pytest.approx(0.6, abs=0.1)
    assert doc["summary"]["posture"] is None and doc["summary"]["emotion"] is None
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    out = _cli(["analyze-video", str(bad), "--json"], tmp_path / "data")
    assert out.returncode == 2 and out.stdout == ""
    assert "error: Could not read broken.mp4" in out.stderr and "Traceback" not in out.stderr


def test_import_stays_light_and_respects_layers() -> None:
    code = (
        "import sys, greenroom.vision; "
        "heavy = [m for m in ('cv2', 'mediapipe', 'av', 'numpy', 'ai_edge_litert') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}
    )
    assert out.returncode == 0 and out.stdout.strip() == ""
    forbidden = ("greenroom.interview", "greenroom.live", "greenroom.server", "greenroom.serving", "greenroom.cli")
    for path in (Path(SRC) / "greenroom" / "vision").glob("*.py"):
        text = path.read_text()
        assert not any(f"import {m}" in text or f"from {m}" in text for m in forbidden), path.name
