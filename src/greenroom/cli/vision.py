"""Vision commands: `analyze-video VIDEO [--json]` prints the vision metrics of a recorded answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from greenroom.config import get_settings

console = Console()


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _num(x: float | None, unit: str = "") -> str:
    return "-" if x is None else f"{x:g}{unit}"


def register(app: typer.Typer) -> None:
    @app.command("analyze-video")
    def analyze_video(
        video: Path = typer.Argument(..., help="A WebM/MP4 (or any FFmpeg-readable) video file."),
        as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
        sample_fps: float | None = typer.Option(None, "--sample-fps", help="Frames per second to analyse."),
        hands: bool | None = typer.Option(None, "--hands/--no-hands", help="Run the hand-landmark model too."),
        pose: bool | None = typer.Option(None, "--pose/--no-pose", help="Measure posture and gestures."),
        emotion: bool = typer.Option(
            False,
            "--emotion",
            help="OPT-IN experimental FER emotion labels (not for assessing anyone: EU AI Act Art. 5(1)(f)).",
        ),
    ) -> None:
        """Face presence, eye contact, head pose, blinks, framing, posture, gestures and facial behaviour."""
        from greenroom.vision.video_file import analyze_video_file

        update: dict[str, Any] = {}
        if sample_fps is not None:
            update["vision_sample_fps"] = sample_fps
        if hands is not None:
            update["vision_hands_enabled"] = hands
        if pose is not None:
            update["vision_pose_enabled"] = pose
        if emotion:
            update["vision_emotion_enabled"] = True
        settings = get_settings().model_copy(update=update)
        result = analyze_video_file(video, settings)
        if as_json:
            typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
            return
        s = result.summary
        table = Table(title=f"{result.source}: {s.message}")
        table.add_column("metric")
        table.add_column("value")
        rows: list[tuple[str, str]] = [
            ("frames analysed", f"{s.frames} at {s.fps:g} fps ({result.duration_s:g} s)"),
            ("face present", _pct(s.face.presence_ratio)),
            ("more than one face", _pct(s.face.multi_face_ratio)),
            ("eye contact", f"{_pct(s.face.eye_contact_ratio)} ({s.face.eye_contact_method})"),
            ("looking away / down", f"{_pct(s.face.looking_away_ratio)} / {_pct(s.face.looking_down_ratio)}"),
            (
                "head yaw / pitch / roll",
                f"{_num(s.face.yaw_deg)} / {_num(s.face.pitch_deg)} / {_num(s.face.roll_deg)} deg",
            ),
            ("blinks per minute", _num(s.face.blink_rate_per_min)),
        ]
        if s.expression:
            rows += [
                ("smiling", _pct(s.expression.smiling_ratio)),
                ("expressiveness", _num(s.expression.expressiveness)),
            ]
        if s.posture:
            rows += [
                ("shoulder tilt", _num(s.posture.shoulder_tilt_deg, " deg")),
                ("slouching", _pct(s.posture.slouch_ratio)),
                ("torso", s.posture.torso_steadiness or "-"),
            ]
        if s.gestures:
            rows += [
                ("gestures per minute", _num(s.gestures.gesture_rate_per_min)),
                ("face touches", _num(s.gestures.face_touches)),
                ("fidgeting", _pct(s.gestures.fidget_ratio)),
            ]
        if s.emotion:
            rows.append(("emotion (experimental)", s.emotion.dominant or "-"))
        for k, v in rows:
            table.add_row(k, v)
        console.print(table)
        for hint in s.framing.hints if s.framing else []:
            console.print(f"hint: {hint}")
        for note in s.notes + result.notes:
            console.print(f"note: {note}")
        if s.emotion:
            console.print(f"[yellow]{s.emotion.caveat}[/]")
