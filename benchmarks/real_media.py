"""Delivery figures on real recordings (`../shared/media/`) against the labels their sources give.

Prints, per file: per-second eye-contact agreement on the proctoring clip; face presence and eye contact on the
GRID clips and the two stills; shoulder tilt on the upright clips; filler recall and false fillers per minute
on the AMI headset channel (plus restarts); WER on jfk.flac. Targets (issue 11) are printed beside each figure.

Usage: PYTHONPATH=src python benchmarks/real_media.py [--media ../shared/media] [--only vision|speech]

The label helpers here are also used by tests/test_real_media.py, so the benchmark and the tests measure the
same thing. The labels are the sources' own (see the media folder's README); nothing here is tuned per file.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"

PROCTORING = "proctoring_eye_center_right_center.mp4"
#: The source's label: about 5 s on the camera, 5 s to one side, 5 s back on the camera.
PROCTORING_AWAY_S = (5.0, 10.0)
GRID = ("grid_bbaf2n.mpg", "grid_brbk7n.mpg", "grid_lbax4n.mpg", "grid_lbbc2a.mpg", "grid_lrwp9a.mpg")
STILL_FACING = "pexels_woman_facing_camera.jpg"
STILL_AWAY = "pexels_man_looking_away.jpg"
AMI = "ami_seriously_source1.wav"
AMI_WORDS = "ami_seriously_mixture.B.words_joined.txt"
JFK = "jfk.flac"
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."

TARGETS = {
    "proctoring_agreement": 0.8,
    "eye_contact_facing": 0.9,
    "eye_contact_away": 0.1,
    "tilt_deg": 10.0,
    "false_fillers_per_min": 1.0,
}


def _settings() -> Any:
    from greenroom.config import get_settings

    return get_settings()


# -- vision ------------------------------------------------------------------------------------------
def proctoring_labels(n_seconds: int) -> list[bool]:
    """True for the seconds labelled "eyes on the camera"."""
    a, b = PROCTORING_AWAY_S
    return [not (a <= i + 0.5 < b) for i in range(n_seconds)]


def per_second_agreement(eye_contact: list[float | None], labels: list[bool]) -> tuple[float, list[str]]:
    """Share of seconds where "eye contact in more than half of the second" matches the label."""
    marks, agree, n = [], 0, 0
    for ec, lab in zip(eye_contact, labels, strict=False):
        if ec is None:  # no judged frame in that second (a blink, or the clip's last partial second)
            marks.append("?")
            continue
        ok = (ec >= 0.5) == lab
        agree += ok
        n += 1
        marks.append(("C" if ec >= 0.5 else "a") if ok else ("c!" if ec >= 0.5 else "A!"))
    return (agree / n if n else 0.0), marks


def analyze_video(path: Path, analyzers: Any = None) -> Any:
    from greenroom.vision.video_file import analyze_video_file

    return analyze_video_file(path, _settings(), analyzers=analyzers)


def analyze_still(path: Path, analyzers: Any = None) -> Any:
    """A photo as a one-frame live stream (no baseline: the absolute, uncalibrated bounds)."""
    from greenroom.vision.frames import decode_image_bytes
    from greenroom.vision.stream import StreamingVisionAnalyzer

    s = StreamingVisionAnalyzer(_settings(), analyzers)
    try:
        s.push_frame(decode_image_bytes(path.read_bytes()), 0.0)
        return s.summary()
    finally:
        s.close()


# -- speech ------------------------------------------------------------------------------------------
def _norm(t: str) -> str:
    return re.sub(r"[^\w']", "", t.lower())


def wer(ref: str, hyp: str) -> float:
    r, h = [_norm(x) for x in ref.split() if _norm(x)], [_norm(x) for x in hyp.split() if _norm(x)]
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)] / max(1, len(r))


@dataclass(frozen=True)
class FillerScore:
    found: int  # labelled "Um"s with a detected filler in their slot
    labelled: int
    false: int  # detected fillers outside every labelled slot
    minutes: float
    slots: list[tuple[float, float]]

    @property
    def false_per_min(self) -> float:
        return self.false / self.minutes


def _find(words: list[Any], seq: list[str], after: float = 0.0) -> Any | None:
    toks = [_norm(w["text"]) for w in words]
    for i in range(len(toks) - len(seq) + 1):
        if toks[i : i + len(seq)] == seq and words[i]["start"] >= after:
            return i
    return None


def ami_um_slots(words: list[dict[str, Any]], duration: float) -> list[tuple[float, float]]:
    """Where the two labelled "Um"s must be, from the words around them in the human transcript:
    "... Yeah. Um. When they're ..." and "... what you're doing, um." (the end of the wearer's turn).

    Each slot runs from the end of the word before to the start of the word after (or the end of the audio).
    """
    slots = []
    i = _find(words, ["yeah"])
    j = _find(words, ["when"], after=words[i]["end"]) if i is not None else None
    if i is not None and j is not None:
        slots.append((words[i]["end"], words[j]["start"]))
    k = _find(words, ["doing"])
    if k is not None:
        slots.append((words[k]["end"], words[k + 1]["start"] if k + 1 < len(words) else duration))
    return slots


def score_fillers(fillers: list[Any], words: list[dict[str, Any]], duration: float) -> FillerScore:
    slots = ami_um_slots(words, duration)

    def inside(f: Any, a: float, b: float) -> bool:  # word times are approximate: 0.2 s of slack
        return a - 0.2 <= f.start <= b + 0.2

    found = sum(any(inside(f, a, b) for f in fillers) for a, b in slots)
    false = sum(not any(inside(f, a, b) for a, b in slots) for f in fillers)
    return FillerScore(found, 2, false, duration / 60.0, slots)


def analyze_audio(path: Path, transcriber: Any = None) -> Any:
    from greenroom.speech.analyze import analyze_audio_file

    return analyze_audio_file(path, _settings(), transcriber=transcriber)


# -- report ------------------------------------------------------------------------------------------
def _vs(value: float | None, target: float, op: str) -> str:
    if value is None:
        return "MISSING"
    ok = value >= target if op == ">=" else value <= target
    return f"{value:.3g} (target {op} {target:g}: {'ok' if ok else 'MISSED'})"


def run_vision(media: Path) -> None:
    from greenroom.vision.backends import load_analyzers

    an = load_analyzers(_settings())
    try:
        r = analyze_video(media / PROCTORING, an)
        fs = r.summary.face
        agree, marks = per_second_agreement(r.timeline.eye_contact, proctoring_labels(len(r.timeline.t)))
        print(f"{PROCTORING}: method={fs.eye_contact_method} baseline={fs.gaze_baseline_deg}")
        print(f"  per-second eye contact: {[None if x is None else round(x, 2) for x in r.timeline.eye_contact]}")
        print(f"  vs labels (C/a right, c!/A! wrong): {' '.join(marks)}")
        print(f"  agreement {_vs(agree, TARGETS['proctoring_agreement'], '>=')}")
        print(f"  eye contact {fs.eye_contact_ratio}, away {fs.looking_away_ratio}, down {fs.looking_down_ratio}")
        tilt = r.summary.posture.shoulder_tilt_deg if r.summary.posture else None
        print(f"  shoulder tilt {_vs(None if tilt is None else abs(tilt), TARGETS['tilt_deg'], '<=')}")
        for name in GRID:
            g = analyze_video(media / name, an)
            f = g.summary.face
            tilt = g.summary.posture.shoulder_tilt_deg if g.summary.posture else None
            print(
                f"{name}: face {f.presence_ratio:.2f}, eye contact "
                f"{_vs(f.eye_contact_ratio, TARGETS['eye_contact_facing'], '>=')} [{f.eye_contact_method}], "
                f"|tilt| {_vs(None if tilt is None else abs(tilt), TARGETS['tilt_deg'], '<=')}"
            )
        for name, op, key in ((STILL_FACING, ">=", "eye_contact_facing"), (STILL_AWAY, "<=", "eye_contact_away")):
            s = analyze_still(media / name, an)
            print(
                f"{name}: face {s.face.presence_ratio:.2f}, eye contact "
                f"{_vs(s.face.eye_contact_ratio, TARGETS[key], op)} [{s.face.eye_contact_method}] "
                f"yaw {s.face.yaw_deg} pitch {s.face.pitch_deg} gaze {s.face.gaze_h}"
            )
    finally:
        an.close()


def run_speech(media: Path) -> None:
    a = analyze_audio(media / AMI)
    d = a.delivery
    sc = score_fillers(d.fillers, a.words, a.duration_s)
    print(f"{AMI}: whisper text: {a.text}")
    print(f"  fillers: {[(f.text, f.start, f.source) for f in d.fillers]}")
    print(f"  labelled 'Um' slots (s): {[(round(x, 2), round(y, 2)) for x, y in sc.slots]}")
    print(f"  'Um' recall {sc.found}/{sc.labelled} (target 2/2: {'ok' if sc.found == 2 else 'MISSED'})")
    print(f"  false fillers/min {_vs(sc.false_per_min, TARGETS['false_fillers_per_min'], '<=')}")
    print(f"  restarts/repetitions: {[(r.kind, r.text, r.start) for r in d.restarts]} (labels: 1 restart, 1 repeat)")
    lecture = analyze_audio(media / "silero_vad_test_lecture_60s.wav")
    print(
        f"silero_vad_test_lecture_60s.wav (no labels): {lecture.delivery.filler_count} fillers "
        f"({lecture.delivery.acoustic_fillers} heard), {lecture.delivery.restart_count} restarts"
    )
    j = analyze_audio(media / JFK)
    print(f"{JFK}: WER {wer(JFK_TEXT, j.text):.3f}; fillers {j.delivery.filler_count} (none spoken)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--media", type=Path, default=MEDIA)
    p.add_argument("--only", choices=("vision", "speech"))
    args = p.parse_args()
    if args.only != "speech":
        run_vision(args.media)
    if args.only != "vision":
        run_speech(args.media)


if __name__ == "__main__":
    main()
