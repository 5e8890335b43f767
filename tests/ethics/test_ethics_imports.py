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


BLOCKER = """
import sys


class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "greenroom.interview.grading":
            raise ModuleNotFoundError("greenroom.interview.grading blocked by the test")
        return None


sys.meta_path.insert(0, Block())
"""


def test_fairness_test_fails_when_its_import_fails(tmp_path: Path) -> None:
    """A broken import of the grader must fail the fairness test, never turn it into a skip."""
    (tmp_path / "blockgrading.py").write_text(BLOCKER)
    root = ETHICS.parents[2]
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "blockgrading", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + [str(root / "tests" / "ethics" / "test_fairness_grader.py")],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": f"{tmp_path}:{ETHICS.parents[1]}", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "blocked by the test" in out, out
    assert "skipped" not in out, out
