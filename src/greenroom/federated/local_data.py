"""A client's local data: its consented, anonymised examples, turned into features that never leave it.

`consented_examples(path)` reads a JSON-lines file of `{"text", "label", "consent"}` records (what the
training data builder exports from sessions whose candidate opted in) and keeps only `consent: true`.
`prepare(...)` anonymises each text (presidio, as everywhere in Greenroom), embeds it with MiniLM on this
machine, and writes `features.npz` (features and labels, no text) into the node's folder; the ClientApp
reads only that file. The features stay on the client too: only model parameters are sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import InputError

FEATURES_FILE = "features.npz"


@dataclass(frozen=True)
class Example:
    """One consented training example (text stays on this machine)."""

    text: str
    label: str


def consented_examples(path: Path) -> list[Example]:
    """The examples of a JSON-lines file whose `consent` is true; a malformed line raises `InputError`."""
    if not path.exists():
        raise InputError(f"No local examples at {path}.")
    out: list[Example] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            text, label, consent = str(rec["text"]), str(rec["label"]), rec.get("consent") is True
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: expected a JSON object with text, label and consent ({exc}).") from None
        if consent and text.strip():
            out.append(Example(text, label))
    return out


def write_examples(path: Path, examples: Sequence[tuple[str, str]], *, consent: bool = True) -> Path:
    """Write `(text, label)` pairs as the JSON-lines file `consented_examples` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"text": t, "label": lab, "consent": consent}) for t, lab in examples]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def anonymise_all(texts: Sequence[str]) -> list[str]:
    """Each text with personal data replaced by typed placeholders (privacy.pii)."""
    from greenroom.privacy.pii import Anonymizer

    anon = Anonymizer()
    return [anon.anonymize(t) for t in texts]


@dataclass(frozen=True)
class Features:
    """A node's prepared features: embeddings (n, dim) and label names (n,); no text."""

    x: np.ndarray
    label_names: tuple[str, ...]


def prepare(
    examples: Sequence[Example],
    embedder: Any,
    out_dir: Path,
    *,
    anonymise: bool = True,
) -> Path:
    """Anonymise and embed the examples on this machine; write `features.npz` (no text) into `out_dir`."""
    if not examples:
        raise InputError("There are no consented examples to train on.")
    texts = [e.text for e in examples]
    if anonymise:
        texts = anonymise_all(texts)
    labels = np.asarray([e.label for e in examples])
    x = np.asarray(embedder.encode(texts), dtype=np.float32)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FEATURES_FILE
    np.savez(path, x=x, labels=labels, digest=np.asarray(digest))
    path.chmod(0o600)
    return path


def features_path(node_dir: Path) -> Path:
    return node_dir / FEATURES_FILE


def load_features(path: Path) -> Features:
    """The features a node prepared (`prepare`): a file or the folder holding it."""
    if path.is_dir():
        path = path / FEATURES_FILE
    if not path.exists():
        raise InputError(f"No prepared features at {path}: run `greenroom federated join` with --examples.")
    with np.load(path) as data:
        return Features(np.asarray(data["x"], dtype=np.float32), tuple(str(s) for s in data["labels"]))
