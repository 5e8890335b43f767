"""`greenroom analyze FILE [--json]`: delivery metrics for audio; vision plus delivery metrics for video.

A file with a video stream gets the vision metrics, and, when it also has an audio track, the delivery
metrics from the speech package, in one JSON document. An audio-only file gets the delivery metrics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from greenroom.config import Settings, get_settings
from greenroom.errors import GreenroomError, InputError

console = Console()


def has_video_stream(path: Path) -> bool:
    """Does the container hold a video stream? Unreadable files answer False: the audio decoder then
    reports them with its own clear error."""
    import av

    if not path.is_file():
        raise InputError(f"No such file: {path}")
    try:
        with av.open(str(path)) as container:
            return any(s.type == "video" for s in container.streams)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        return False


def analyze_media(path: Path, settings: Settings) -> dict[str, Any]:
    """The combined analysis document of a recorded answer."""
    from greenroom.speech.analyze import analyze_audio_file

    if not has_video_stream(path):
        return {"kind": "audio"} | analyze_audio_file(path, settings).model_dump(mode="json")
    from greenroom.vision.video_file import analyze_video_file

    vision = analyze_video_file(path, settings)
    doc: dict[str, Any] = {"file": path.name, "kind": "video", "vision": vision.model_dump(mode="json"), "audio": None}
    notes: list[str] = []
    if vision.has_audio:
        try:
            doc["audio"] = analyze_audio_file(path, settings).model_dump(mode="json")
        except GreenroomError as exc:  # e.g. a silent audio track: say so, keep the vision result
            notes.append(f"audio track not analysed: {exc.message}")
    else:
        notes.append("the file has no audio track: no delivery metrics")
    doc["notes"] = notes
    return doc


def _print_audio(audio: dict[str, Any]) -> None:
    d = audio["delivery"]
    console.print(f"[bold]{audio['file']}[/] ({audio['duration_s']:.1f} s, {audio['language']}): {audio['text']}")
    table = Table(title="Delivery")
    for col in ("metric", "value", "target", "status", "source"):
        table.add_column(col)
    for c in d["checks"]:
        target = f"{c['low'] if c['low'] is not None else ''}–{c['high'] if c['high'] is not None else ''}"
        colour = "green" if c["status"] == "ok" else "yellow"
        table.add_row(c["metric"], f"{c['value']:g}", target, f"[{colour}]{c['status']}[/]", c["source"])
    console.print(table)
    fillers = ", ".join(
        f"{f['text']} {f['start']:.1f}s" + (" (heard)" if f.get("source") == "acoustic" else "") for f in d["fillers"]
    )
    console.print(f"fillers: {fillers or 'none'}")
    restarts = ", ".join(f'{r["kind"]} "{r["text"]}" {r["start"]:.1f}s' for r in d.get("restarts", []))
    console.print(f"restarts and repetitions: {restarts or 'none'}")
    for note in d["notes"]:
        console.print(f"[dim]note: {note}[/]")


def _print_vision(vision: dict[str, Any]) -> None:
    s = vision["summary"]
    face = s["face"]
    console.print(f"[bold]Vision[/]: {s['message']}")
    keys = ("presence_ratio", "eye_contact_ratio", "eye_contact_method", "looking_away_ratio", "looking_down_ratio")
    for key in keys + ("blink_rate_per_min", "yaw_deg", "pitch_deg", "roll_deg"):
        value = face.get(key)
        console.print(f"  {key}: {'-' if value is None else value}")
    for note in s.get("notes", []):
        console.print(f"[dim]note: {note}[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        file: Path = typer.Argument(..., help="Audio or video file of a recorded answer."),
        as_json: bool = typer.Option(False, "--json", help="All metrics as one JSON document."),
    ) -> None:
        """Delivery metrics (pace, pauses, fillers, pitch, volume) and, for video, the vision metrics."""
        doc = analyze_media(file, get_settings())
        if as_json:
            typer.echo(json.dumps(doc, indent=2))
            return
        if doc["kind"] == "audio":
            _print_audio(doc)
            return
        _print_vision(doc["vision"])
        if doc.get("audio"):
            _print_audio(doc["audio"])
        for note in doc.get("notes", []):
            console.print(f"[dim]note: {note}[/]")
