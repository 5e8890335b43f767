"""The layering rule from ARCHITECTURE.md, as a test: data flows one way between packages.

llm, speech, vision, privacy, ethics and storage import none of interview, live, server, serving, cli;
interview may use llm, ethics and privacy; live may use interview, speech and vision; training may use
llm, interview and ethics; federated may use training and the packages below it, never server, serving or
cli; only server, cli, serving, training and federated sit on top. Importing `greenroom` loads no heavy library.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import greenroom

SRC = Path(greenroom.__file__).parent
TOP = {"interview", "live", "server", "serving", "training", "federated", "cli"}
BASE = {"llm", "speech", "vision", "privacy", "ethics", "storage"}
ALLOWED_EXTRA = {
    "interview": {"llm", "ethics", "privacy"},
    "live": {"interview", "speech", "vision"},
    "training": {"llm", "interview", "ethics"},
    "federated": {"training", "interview", "llm", "ethics", "privacy", "storage"},
}


def greenroom_imports(path: Path) -> set[str]:
    """First-level greenroom subpackages/modules that a file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for n in names:
            parts = n.split(".")
            if parts[0] == "greenroom" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_layering() -> None:
    bad: list[str] = []
    for pkg_dir in sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        pkg = pkg_dir.name
        for f in pkg_dir.rglob("*.py"):
            used = greenroom_imports(f) - {pkg}
            if pkg in BASE:
                forbidden = used & TOP
            elif pkg in ALLOWED_EXTRA:
                forbidden = used & ((TOP | BASE) - ALLOWED_EXTRA[pkg])
            else:
                continue
            bad += [f"{f.relative_to(SRC)} imports greenroom.{m}" for m in sorted(forbidden)]
    assert not bad, "layering violations:\n" + "\n".join(bad)


def test_import_is_light() -> None:
    code = (
        "import sys, greenroom, greenroom.config, greenroom.llm.factory, greenroom.cli;"
        "heavy = {'torch', 'llama_cpp', 'mediapipe', 'faster_whisper', 'presidio_analyzer', 'transformers', 'flwr'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
