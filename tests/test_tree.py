"""A clean tree: no media files at the repository root (tests and benchmarks write to temporary folders or
to the git-ignored artefacts/), and nothing the tests generate is committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = {".mp4", ".webm", ".mkv", ".wav", ".mp3", ".y4m", ".png", ".jpg", ".jpeg", ".ogg"}


def test_no_media_files_at_the_repository_root() -> None:
    stray = sorted(p.name for p in ROOT.iterdir() if p.is_file() and p.suffix.lower() in MEDIA)
    assert not stray, f"stray media files at the repository root: {stray}"


def test_no_generated_output_is_committed() -> None:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:  # not a git checkout (an sdist): nothing to check
        return
    tracked = out.stdout.splitlines()
    bad = [
        f
        for f in tracked
        if f.startswith(("artefacts/", "test-artifacts/")) or ("/" not in f and Path(f).suffix in MEDIA)
    ]
    assert not bad, f"generated files are tracked: {bad}"
