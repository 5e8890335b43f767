"""Vision throughput at 640x480 on one CPU core: face mesh alone, mesh + BlazePose every 2nd frame, and the
full set (face mesh + face detector + pose and hands every 2nd frame + FER every 3rd face frame), plus peak RSS.

Usage: python benchmarks/vision.py [--frames 150] [--core 0]
Goal (issue 5): mesh + pose >= 15 fps on one core.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable

import cv2
import numpy as np
from skimage import data

from greenroom.config import Settings
from greenroom.vision.backends import load_analyzers
from greenroom.vision.pipeline import FramePipeline


def frames(n: int) -> list[np.ndarray]:
    """640x480 frames of the astronaut's portrait drifting a few pixels, so trackers do real work."""
    img = data.astronaut()
    out = []
    for i in range(n):
        canvas = np.full((480, 640, 3), 90, np.uint8)
        s = cv2.resize(img, (624, 624))
        dx = int(10 * np.sin(i / 5))
        x0 = 16 + dx
        canvas[:, x0 : x0 + 624 - 16] = s[40:520, 8:616]
        out.append(canvas)
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[np.ndarray, float], object], clip: list[np.ndarray], warmup: int = 10) -> float:
    for i, f in enumerate(clip[:warmup]):
        fn(f, i / 15)
    t0 = time.perf_counter()
    for i, f in enumerate(clip):
        fn(f, (warmup + i) / 15)
    return (time.perf_counter() - t0) / len(clip)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--core", type=int, default=0, help="CPU core to pin to (one core)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    clip = frames(args.frames)
    rows: list[tuple[str, float, float]] = []

    import mediapipe as mp

    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True)
    rows.append(("face mesh alone (refine_landmarks)", timed(lambda f, t: mesh.process(f), clip), peak_rss_mb()))
    mesh.close()

    configs = {
        "face analyser (mesh + detector) + features": {"vision_pose_enabled": False},
        "mesh + pose every 2nd frame": {"vision_pose_enabled": True, "vision_pose_every_n": 2},
        "full: mesh + detector + pose&hands/2 + FER/3": {
            "vision_pose_enabled": True,
            "vision_pose_every_n": 2,
            "vision_hands_enabled": True,
            "vision_emotion_enabled": True,
            "vision_emotion_every_n": 3,
        },
    }
    for name, update in configs.items():
        settings = Settings().model_copy(update=update)
        analyzers = load_analyzers(settings)
        pipe = FramePipeline(settings, analyzers)
        rows.append((name, timed(pipe.process, clip), peak_rss_mb()))
        analyzers.close()

    print(f"\nVision at 640x480, {args.frames} frames, pinned to core {args.core} (os.cpu_count()={os.cpu_count()})\n")
    print(f"| {'configuration':<46} | {'ms/frame':>8} | {'fps':>6} | {'peak RSS MB':>11} |")
    print(f"|{'-' * 48}|{'-' * 10}|{'-' * 8}|{'-' * 13}|")
    for name, sec, rss in rows:
        print(f"| {name:<46} | {sec * 1000:8.1f} | {1 / sec:6.1f} | {rss:11.0f} |")
    mesh_pose = rows[2][1]
    print(
        f"\nGoal mesh + pose >= 15 fps on one core: {'met' if 1 / mesh_pose >= 15 else 'NOT met'} ({1 / mesh_pose:.1f} fps)"
    )


if __name__ == "__main__":
    main()
