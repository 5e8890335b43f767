"""The question bank: packaged YAML files (questions/*.yaml) plus user packs in `<data_dir>/questions/`.

A pack is a YAML file with a `track`, optional `defaults` (e.g. `roles`), and a list of `questions`,
each with an id, roles, difficulty, text, 3-8 key points and follow-up hints (docs/questions.md).
A user question with the same id as a packaged one replaces it.
"""

from __future__ import annotations

import difflib
import random
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from greenroom.errors import InputError, UnknownNameError

if TYPE_CHECKING:
    from greenroom.config import Settings

TRACKS = ("technical", "behavioral", "system-design")
ROLES = ("backend", "frontend", "data-ml", "devops-sre", "general")
DIFFICULTIES = ("easy", "medium", "hard")
_TRACK_ALIASES = {
    "behavioural": "behavioral",
    "behaviour": "behavioral",
    "behavior": "behavioral",
    "system_design": "system-design",
    "systemdesign": "system-design",
    "system design": "system-design",
    "design": "system-design",
    "tech": "technical",
}
_ROLE_ALIASES = {
    "data": "data-ml",
    "ml": "data-ml",
    "data/ml": "data-ml",
    "data_ml": "data-ml",
    "devops": "devops-sre",
    "sre": "devops-sre",
    "devops/sre": "devops-sre",
    "devops_sre": "devops-sre",
    "swe": "general",
    "software": "general",
    "fullstack": "general",
}


def normalize_track(track: str) -> str:
    """The canonical track id; `behavioural` is accepted. Unknown tracks raise, listing the valid ones."""
    key = " ".join(str(track).strip().lower().split())
    key = _TRACK_ALIASES.get(key, key)
    if key not in TRACKS:
        raise UnknownNameError("track", track, TRACKS)
    return key


def normalize_role(role: str) -> str:
    """The canonical role id. Unknown roles raise, listing the valid ones."""
    key = str(role).strip().lower().replace(" ", "-")
    key = _ROLE_ALIASES.get(key, key)
    if key not in ROLES:
        raise UnknownNameError("role", role, ROLES)
    return key


def normalize_difficulty(difficulty: str) -> str:
    key = str(difficulty).strip().lower()
    if key not in DIFFICULTIES:
        raise UnknownNameError("difficulty", difficulty, DIFFICULTIES)
    return key


class Question(BaseModel):
    """One interview question with what a strong answer covers. Frozen; JSON serialisable."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=120)
    track: str
    roles: list[str] = Field(default_factory=lambda: ["general"])
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    text: str = Field(min_length=5, max_length=1000)
    key_points: list[str] = Field(min_length=1, max_length=8)
    follow_up_hints: list[str] = Field(default_factory=list)
    source: Literal["bank", "user", "generated"] = "bank"

    @field_validator("track")
    @classmethod
    def _track(cls, v: str) -> str:
        return normalize_track(v)

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return [normalize_role(r) for r in v] or ["general"]


def _norm_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def load_pack(path: Path | str, text: str | None = None, *, source: str = "bank") -> list[Question]:
    """The questions of one YAML pack; a malformed pack raises `InputError` naming the file and the question."""
    name = str(path)
    try:
        data = yaml.safe_load(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"Cannot read question pack {name}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise InputError(f"Question pack {name} needs a top-level 'questions' list.")
    defaults: dict[str, Any] = dict(data.get("defaults") or {})
    if "track" in data:
        defaults.setdefault("track", data["track"])
    out: list[Question] = []
    for i, raw in enumerate(data["questions"]):
        if not isinstance(raw, dict):
            raise InputError(f"Question #{i + 1} in {name} is not a mapping.")
        item = {**defaults, **raw, "source": source}
        try:
            q = Question.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InputError(f"Question {raw.get('id', i + 1)!r} in {name}: {where}: {err['msg']}") from None
        if source == "bank" and not 3 <= len(q.key_points) <= 8:
            raise InputError(f"Question {q.id!r} in {name} needs 3 to 8 key points.")
        out.append(q)
    return out


class QuestionBank:
    """All questions, by id. `select` draws a reproducible plan."""

    def __init__(self, questions: list[Question]) -> None:
        self._by_id: dict[str, Question] = {}
        for q in questions:
            self._by_id[q.id] = q  # later packs (user packs) replace earlier ids

    @classmethod
    def packaged_files(cls) -> list[Any]:
        root = resources.files("greenroom.interview") / "questions"
        return sorted((p for p in root.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)

    @classmethod
    def load(cls, settings: Settings | None = None, *, extra_dirs: list[Path] | None = None) -> QuestionBank:
        """The packaged bank plus every `*.yaml` pack in `<data_dir>/questions/` (and `extra_dirs`)."""
        questions: list[Question] = []
        for f in cls.packaged_files():
            questions += load_pack(f.name, f.read_text(encoding="utf-8"))
        dirs = list(extra_dirs or [])
        if settings is not None:
            dirs.insert(0, settings.data_dir / "questions")
        for d in dirs:
            if d.is_dir():
                for f in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
                    questions += load_pack(f, source="user")
        return cls(questions)

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise InputError(f"No question with id {question_id!r} in the bank.") from None

    def all(self, track: str | None = None, role: str | None = None) -> list[Question]:
        t = normalize_track(track) if track else None
        r = normalize_role(role) if role else None
        return [q for q in self._by_id.values() if (t is None or q.track == t) and (r is None or r in q.roles)]

    def find(self, text: str) -> Question | None:
        """The bank question whose text matches `text` (ignoring case and punctuation; near-exact matches too)."""
        target = _norm_text(text)
        if not target:
            return None
        best, best_ratio = None, 0.0
        for q in self._by_id.values():
            norm = _norm_text(q.text)
            if norm == target:
                return q
            ratio = difflib.SequenceMatcher(None, norm, target).ratio()
            if ratio > best_ratio:
                best, best_ratio = q, ratio
        return best if best_ratio >= 0.92 else None

    def select(
        self,
        track: str,
        role: str | None = None,
        difficulty: str | None = None,
        n: int = 5,
        seed: int | None = None,
    ) -> list[Question]:
        """`n` distinct questions of a track (and role, difficulty), reproducible for a given seed.

        When the role/difficulty filter leaves fewer than `n`, the nearest other questions of the track fill
        up: same role at another difficulty first, then general questions.
        """
        if n < 1:
            raise InputError("The number of questions must be at least 1.")
        t = normalize_track(track)
        r = normalize_role(role) if role else None
        d = normalize_difficulty(difficulty) if difficulty else None
        pool = sorted(self.all(t), key=lambda q: q.id)
        rng = random.Random(seed)

        def rank(q: Question) -> int:
            role_ok = r is None or r in q.roles
            diff_ok = d is None or q.difficulty == d
            general = "general" in q.roles
            return 0 if role_ok and diff_ok else 1 if role_ok else 2 if general and diff_ok else 3

        shuffled = pool[:]
        rng.shuffle(shuffled)
        ordered = sorted(shuffled, key=rank)  # stable: random within each rank
        chosen = ordered[:n]
        if len(chosen) < n:
            raise InputError(f"The {t} track has only {len(chosen)} questions; asked for {n}.")
        order = {"easy": 0, "medium": 1, "hard": 2}
        return sorted(chosen, key=lambda q: order[q.difficulty]) if d is None else chosen
