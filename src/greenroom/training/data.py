"""Chat-format training datasets for the interviewer model (Hugging Face `datasets`, saved to disk).

Public API (stable; the federated package builds on it):

- `build_examples(bank=None, grading_items=None, sessions=(), anonymize=None)` -> list of example dicts
  `{"messages": [{"role", "content"}, ...], "source": str, "task": str}`, deduplicated.
- `build_datasets(out_dir, ..., val_share=0.1, test_share=0.1)` -> `DataCard`: a `DatasetDict` with
  `train`, `validation` and `test` saved by `save_to_disk(out_dir)`, plus `data_card.json` and `README.md`.
- `load_datasets(path)` -> the `DatasetDict` again.
- `split_of(example)`: the split an example falls in (a hash of its content, so stable across runs and machines).

Sources and tasks:

- `bank` / `interviewer_turn`: the question bank's questions as the interviewer's next question for a track,
  role and difficulty;
- `bank` / `follow_up`: for every key point of a question, the bank's follow-up hint closest to it (word
  overlap) as the follow-up when an answer missed that point (the interviewer's own follow-up prompt);
- `grading_set` / `rubric`: the labelled answers (ethics/data/grading_set.yaml) as rubric judgements in the
  grader's own prompt format (`interview.rubric`): strong -> accuracy 3, medium -> 2, weak -> 0;
- `session` / `follow_up` and `interviewer_turn`: local sessions, ONLY those whose meta has
  `training_consent: true` (opt-in, off by default), with the candidate's text passed through `anonymize`
  (sessions without an anonymiser raise: fail closed).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from greenroom.errors import InputError

INTERVIEWER_SYSTEM = (
    "You are a friendly job interviewer. Ask ONE clear interview question for the track, role and difficulty "
    "given. No preamble, no answer."
)
SPLITS = ("train", "validation", "test")
RUBRIC_LABELS = {
    "strong": (3, "correct and complete"),
    "medium": (2, "correct, misses key points"),
    "weak": (0, "wrong"),
}
LICENCES = {
    "bank": "Greenroom question bank, written for the project (project licence)",
    "grading_set": "Greenroom labelled grading set, written for the project (project licence)",
    "session": "the user's own local sessions, with their opt-in consent",
}


@dataclass(frozen=True)
class DataCard:
    """What a dataset holds: counts by split, source and task; sources and licences; consent figures."""

    path: str
    counts: dict[str, int]
    by_source: dict[str, int]
    by_task: dict[str, int]
    licences: dict[str, str]
    sessions_seen: int
    sessions_consented: int
    duplicates_dropped: int
    sha256: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self) -> str:
        lines = [
            "# Greenroom interviewer training data: data card",
            "",
            "Chat-format examples (`messages`: system, user, assistant), built by `greenroom train data`.",
            "",
            "| split | examples |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in self.counts.items()],
            "",
            "By source: " + ", ".join(f"{k} {v}" for k, v in self.by_source.items()) + ".",
            "By task: " + ", ".join(f"{k} {v}" for k, v in self.by_task.items()) + ".",
            f"Local sessions: {self.sessions_consented} of {self.sessions_seen} opted in (only those are used,"
            " anonymised).",
            f"Duplicates dropped: {self.duplicates_dropped}. Content sha256: {self.sha256}.",
            "",
            "## Licences",
            *[f"- {k}: {v}" for k, v in self.licences.items()],
        ]
        if self.notes:
            lines += ["", "## Notes", *[f"- {n}" for n in self.notes]]
        return "\n".join(lines) + "\n"


def _msgs(system_text: str, user_text: str, assistant_text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_text},
        {"role": "user", "content": user_text},
        {"role": "assistant", "content": assistant_text},
    ]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def _closest_hint(point: str, hints: Sequence[str]) -> str | None:
    if not hints:
        return None
    pw = _words(point)
    scored = [(len(pw & _words(h)) / (len(pw | _words(h)) or 1), -i, h) for i, h in enumerate(hints)]
    best = max(scored)
    return best[2] if best[0] > 0 else None


def bank_examples(questions: Iterable[Any]) -> list[dict[str, Any]]:
    """Interviewer turns and follow-ups on missed key points from bank `Question`s."""
    from greenroom.interview.interviewer import FOLLOW_UP_SYSTEM

    out: list[dict[str, Any]] = []
    for q in questions:
        for role in q.roles:
            ask = f"Track: {q.track}. Role: {role}. Difficulty: {q.difficulty}. Ask the next question."
            out.append(
                {"messages": _msgs(INTERVIEWER_SYSTEM, ask, q.text), "source": "bank", "task": "interviewer_turn"}
            )
        for point in q.key_points:
            hint = _closest_hint(point, q.follow_up_hints)
            if hint is None:
                continue
            ask = f"Main question: {q.text}\nTopic to ask about: {point}"
            out.append({"messages": _msgs(FOLLOW_UP_SYSTEM, ask, hint), "source": "bank", "task": "follow_up"})
    return out


def rubric_examples(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Rubric judgements (the grader's prompt and JSON answer) from labelled strong/medium/weak answers."""
    from greenroom.interview.rubric import rubric_messages

    out: list[dict[str, Any]] = []
    for it in items:
        for level, answer in it.answers.items():
            if level not in RUBRIC_LABELS:
                continue
            accuracy, reasoning = RUBRIC_LABELS[level]
            sys_msg, user_msg = rubric_messages(it.question, it.key_points, answer)
            target = json.dumps({"reasoning": reasoning, "accuracy": accuracy})
            out.append(
                {
                    "messages": _msgs(sys_msg.content, user_msg.content, target),
                    "source": "grading_set",
                    "task": "rubric",
                }
            )
    return out


def has_consent(session: dict[str, Any]) -> bool:
    """True only when the stored session says the candidate opted in to training use."""
    meta = session.get("meta") or {}
    return meta.get("training_consent") is True


def session_examples(sessions: Iterable[dict[str, Any]], anonymize: Callable[[str], str]) -> list[dict[str, Any]]:
    """Interviewer turns and follow-ups from consented sessions (`Store.get_session` dicts), anonymised."""
    from greenroom.interview.interviewer import FOLLOW_UP_SYSTEM

    out: list[dict[str, Any]] = []
    for s in sessions:
        if not has_consent(s):
            continue
        meta = s.get("meta") or {}
        track, role = meta.get("track") or "technical", meta.get("role") or "general"
        last_main: dict[str, Any] | None = None
        for turn in s.get("turns") or []:
            # stored turns (storage allow-list) carry `question`; older or resume-state turns `prompt`
            prompt = str(turn.get("question") or turn.get("prompt") or "").strip()
            if not prompt or turn.get("skipped"):
                continue
            if turn.get("kind") == "question":
                last_main = turn
                ask = f"Track: {track}. Role: {role}. Ask the next question."
                out.append(
                    {
                        "messages": _msgs(INTERVIEWER_SYSTEM, ask, anonymize(prompt)),
                        "source": "session",
                        "task": "interviewer_turn",
                    }
                )
            elif turn.get("kind") == "follow_up" and last_main is not None:
                main_q = anonymize(str(last_main.get("question") or last_main.get("prompt")))
                topic = turn.get("target") or "what the candidate's answer left out"
                ask = f"Main question: {main_q}\nTopic to ask about: {topic}"
                out.append(
                    {
                        "messages": _msgs(FOLLOW_UP_SYSTEM, ask, anonymize(prompt)),
                        "source": "session",
                        "task": "follow_up",
                    }
                )
    return out


def _content_key(example: dict[str, Any]) -> str:
    return json.dumps(example["messages"], sort_keys=True, ensure_ascii=False)


def split_of(example: dict[str, Any], val_share: float = 0.1, test_share: float = 0.1) -> str:
    """`train`, `validation` or `test`, from a hash of the example's messages (stable everywhere)."""
    h = int(hashlib.sha256(_content_key(example).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < test_share:
        return "test"
    if h < test_share + val_share:
        return "validation"
    return "train"


def build_examples(
    bank: Iterable[Any] | None = None,
    grading_items: Iterable[Any] | None = None,
    sessions: Iterable[dict[str, Any]] = (),
    anonymize: Callable[[str], str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Deduplicated examples from every source, and how many duplicates were dropped."""
    if bank is None:
        from greenroom.interview.bank import QuestionBank

        bank = QuestionBank.load().all()
    if grading_items is None:
        from greenroom.ethics.reliability import load_grading_set

        grading_items = load_grading_set()
    sessions = list(sessions)
    if any(has_consent(s) for s in sessions) and anonymize is None:
        raise InputError("Consented sessions need an anonymiser; refusing to build data from raw session text.")
    examples = bank_examples(bank) + rubric_examples(grading_items)
    if anonymize is not None:
        examples += session_examples(sessions, anonymize)
    seen: set[str] = set()
    unique = []
    for ex in examples:
        key = _content_key(ex)
        if key not in seen:
            seen.add(key)
            unique.append(ex)
    return unique, len(examples) - len(unique)


def build_datasets(
    out_dir: Path,
    *,
    bank: Iterable[Any] | None = None,
    grading_items: Iterable[Any] | None = None,
    sessions: Iterable[dict[str, Any]] = (),
    anonymize: Callable[[str], str] | None = None,
    val_share: float = 0.1,
    test_share: float = 0.1,
) -> DataCard:
    """Build, split and save the datasets to `out_dir` (a `DatasetDict.save_to_disk` folder) with a data card."""
    from datasets import Dataset, DatasetDict

    if not (0.0 <= val_share < 0.5 and 0.0 <= test_share < 0.5):
        raise InputError("The validation and test shares must each be in [0, 0.5).")
    sessions = list(sessions)
    examples, dropped = build_examples(bank, grading_items, sessions, anonymize)
    if not examples:
        raise InputError("No training examples: the bank and the grading set are empty.")
    parts: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for ex in examples:
        parts[split_of(ex, val_share, test_share)].append(ex)
    DatasetDict({k: Dataset.from_list(v) for k, v in parts.items() if v}).save_to_disk(str(out_dir))
    digest = hashlib.sha256("\n".join(sorted(_content_key(e) for e in examples)).encode()).hexdigest()
    sources = Counter(e["source"] for e in examples)
    notes = [] if parts["validation"] and parts["test"] else ["a split is empty: too few examples"]
    card = DataCard(
        path=str(out_dir),
        counts={k: len(v) for k, v in parts.items()},
        by_source=dict(sorted(sources.items())),
        by_task=dict(sorted(Counter(e["task"] for e in examples).items())),
        licences={k: v for k, v in LICENCES.items() if k in sources},
        sessions_seen=len(sessions),
        sessions_consented=sum(has_consent(s) for s in sessions),
        duplicates_dropped=dropped,
        sha256=digest,
        notes=notes,
    )
    (out_dir / "data_card.json").write_text(json.dumps(card.to_dict(), indent=2) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(card.to_markdown(), encoding="utf-8")
    return card


def load_datasets(path: Path) -> Any:
    """The `DatasetDict` saved by `build_datasets`."""
    from datasets import load_from_disk

    if not (path / "data_card.json").exists():
        raise InputError(f"Not a Greenroom training dataset (no data_card.json): {path}")
    return load_from_disk(str(path))
