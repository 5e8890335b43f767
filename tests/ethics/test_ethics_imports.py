"""The ethics package imports none of interview, live, server, serving or cli, and imports cheaply."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ETHICS = Path(__file__).resolve().parents[2] / "src" / "greenroom" / "ethics"
FORBIDDEN = ("greenroom.interview", "greenroom.live", "greenroom.server", "greenroom.serving", "greenroom.cli")


def test_import_direction() -> None:
    bad = []
    for path in ETHICS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert not bad


def test_import_is_light() -> None:
    code = "import sys, greenroom.ethics, greenroom.ethics.fairness, greenroom.ethics.reliability; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ETHICS.parents[1])},
    ).stdout.split()
    assert out == ["False", "False"]
