"""Loaders for the YAML data shipped in `greenroom/ethics/data/`: exemplar banks and labelled sets.

`BLIND_SETS` lists the question guard's blind sets (written after a guard version was frozen; never trained on)
in the order they were written; `load_blind_sets()` loads the installed ones by short name (blind, blind2, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from greenroom.errors import InputError

Split = Literal["tune", "heldout"]

BLIND_SETS = ("blind_questions.yaml", "blind2_questions.yaml", "blind3_questions.yaml", "blind4_questions.yaml")


def data_path(name: str) -> Path:
    """Path of a file shipped in greenroom/ethics/data."""
    return Path(str(resources.files("greenroom.ethics") / "data" / name))


def load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Data file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"Invalid YAML in {path}: {exc}") from None


@dataclass(frozen=True)
class ExemplarBank:
    """Improper sentences by category, and proper sentences."""

    improper: dict[str, list[str]]
    proper: list[str]


def load_exemplars(path: Path | None = None) -> ExemplarBank:
    data = load_yaml(path or data_path("exemplars.yaml"))
    try:
        improper = {str(k): [str(s) for s in v] for k, v in data["improper"].items()}
        proper = [str(s) for s in data["proper"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"An exemplar file needs `improper: {{category: [..]}}` and `proper: [..]`: {exc}") from None
    return ExemplarBank(improper, proper)


def with_tune_split(bank: ExemplarBank, items: list[LabelledItem]) -> ExemplarBank:
    """The bank plus every sentence of the labelled set's `tune` split (never the held-out split)."""
    from greenroom.ethics.text import normalise, sentences

    improper = {k: list(v) for k, v in bank.improper.items()}
    proper = list(bank.proper)
    for it in items:
        if it.split != "tune":
            continue
        sents = sentences(normalise(it.text)) or [it.text]
        if it.improper:
            improper.setdefault(it.label, []).extend(sents)
        else:
            proper.extend(sents)
    return ExemplarBank(improper, proper)


@dataclass(frozen=True)
class LabelledItem:
    """One labelled sentence: improper (with its category) or proper (with its kind)."""

    text: str
    improper: bool
    label: str
    split: Split


def load_labelled(path: Path | None = None) -> list[LabelledItem]:
    """A labelled set: `improper: {category: {tune: [..], heldout: [..]}}` and the same for `proper`."""
    data = load_yaml(path or data_path("labelled_questions.yaml"))
    items: list[LabelledItem] = []
    try:
        for side in ("improper", "proper"):
            for label, splits in data[side].items():
                for split in ("tune", "heldout"):
                    for text in splits.get(split) or []:
                        items.append(LabelledItem(str(text), side == "improper", str(label), split))
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"Malformed labelled set: {exc}") from None
    return items


def load_blind_sets() -> dict[str, list[LabelledItem]]:
    """{short name ("blind", "blind2", ...): items} for every installed blind set, in the order written."""
    return {
        name.removesuffix("_questions.yaml"): load_labelled(data_path(name))
        for name in BLIND_SETS
        if data_path(name).exists()
    }
