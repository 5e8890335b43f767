"""Ethics commands: `check-question`, `check-feedback`, `evaluate guard` and `evaluate grading`.

`evaluate grading` imports the interview grader lazily: in a build without `greenroom.interview.grading`
it stops with one clear line instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import typer

from greenroom.config import get_settings
from greenroom.errors import GreenroomError, InputError

evaluate_app = typer.Typer(help="Evaluate the guard and the grader on labelled sets.", no_args_is_help=True)


def _read_text(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    return text


# --- the interview grader, adapted to a GradeFn (used after the interview package is merged) -------------
def build_question(cls: Any, item: Any) -> Any:
    """An interview `Question` from a grading-set item, filling whichever of the usual fields the class has."""
    values: dict[str, Any] = {
        "id": item.id,
        "track": item.track,
        "text": item.question,
        "question": item.question,
        "prompt": item.question,
        "key_points": list(item.key_points),
        "roles": ["general"],
        "role": "general",
        "difficulty": "medium",
        "follow_ups": [],
        "follow_up_hints": [],
    }
    if hasattr(cls, "model_fields"):
        names = set(cls.model_fields)
    elif dataclasses.is_dataclass(cls):
        names = {f.name for f in dataclasses.fields(cls)}
    else:
        names = set(values)
    try:
        return cls(**{k: v for k, v in values.items() if k in names})
    except Exception as exc:  # a validation error from a model this module does not own
        raise GreenroomError(f"Could not build an interview question for {item.id!r}: {exc}") from None


def interview_grade_fn(items: list[Any], score: str = "technical_score", grader: Any | None = None) -> Any:
    """A `GradeFn` (question text, answer) -> score, backed by `greenroom.interview.grading.Grader`."""
    try:
        grading = importlib.import_module("greenroom.interview.grading")
        bank = importlib.import_module("greenroom.interview.bank")
    except ImportError as exc:
        raise GreenroomError(
            "The interview grader is not part of this build (greenroom.interview.grading could not be imported).",
            hint=f"({exc.__class__.__name__}: {exc})",
        ) from None
    if grader is None:
        from greenroom.embeddings import get_embedder
        from greenroom.llm.factory import create_chat_model

        grader = grading.Grader(create_chat_model(get_settings()), get_embedder())
    questions = {it.question: build_question(bank.Question, it) for it in items}

    def grade(question: str, answer: str) -> float:
        if question not in questions:
            raise InputError(f"Not a question of the grading set: {question!r}")
        return float(getattr(grader.grade(questions[question], answer), score))

    return grade


def privacy_anonymizer() -> Any:
    """The privacy package's PII anonymiser as a `str -> str` callable, or a clear error."""
    try:
        pii = importlib.import_module("greenroom.privacy.pii")
    except ImportError:
        raise GreenroomError(
            "Anonymisation is not available in this build (greenroom.privacy.pii is missing)."
        ) from None
    cls = getattr(pii, "Anonymizer", None)
    if cls is not None and callable(getattr(cls, "anonymize", None)):
        return cls().anonymize
    for name in ("anonymize", "anonymise", "anonymize_text"):
        fn = getattr(pii, name, None)
        if callable(fn):

            def anon(text: str, fn: Any = fn) -> str:
                out = fn(text)
                return out if isinstance(out, str) else str(getattr(out, "text", out))

            return anon
    raise GreenroomError("greenroom.privacy.pii has no anonymize/redact function this command knows how to call.")


def register(app: typer.Typer) -> None:
    app.add_typer(evaluate_app, name="evaluate")

    @app.command("check-question")
    def check_question(
        text: str = typer.Argument(..., help="The question to check ('-' reads stdin)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        explain: bool = typer.Option(False, "--explain", help="Show the per-sentence evidence."),
    ) -> None:
        """Check an interview question: is it lawful to ask? Suggests a lawful variant when it is not."""
        from greenroom.ethics.guard import QuestionGuard

        guard = QuestionGuard.from_settings(get_settings())
        raw = _read_text(text)
        verdict = guard.check(raw)
        if as_json:
            typer.echo(json.dumps(verdict.public()))
            return
        if verdict.allowed:
            typer.echo(f"allowed (score {verdict.score:.2f})")
        else:
            typer.echo(f"blocked: {verdict.category} (score {verdict.score:.2f})")
            if verdict.lawful_variant:
                typer.echo(f"ask instead: {verdict.lawful_variant}")
        if explain:
            for sv in guard.explain(raw):
                typer.echo(f"  [{'ok' if sv.allowed else 'BLOCK'}] {sv.sentence}  <- {sv.reason}")

    @app.command("check-feedback")
    def check_feedback(
        text: str = typer.Argument(..., help="The feedback to check ('-' reads stdin)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Check generated feedback for demeaning, stereotyped or identity-based remarks."""
        from greenroom.ethics.feedback import FeedbackGuard

        verdict = FeedbackGuard(max_chars=get_settings().ethics_max_text_chars).check(_read_text(text))
        if as_json:
            typer.echo(json.dumps(verdict.public()))
        else:
            typer.echo("allowed" if verdict.allowed else f"blocked: {verdict.category}. {verdict.lawful_variant}")

    @evaluate_app.command("guard")
    def evaluate_guard(
        data: Path = typer.Option(None, help="A labelled YAML set (default: the shipped labelled set)."),
        blind: bool = typer.Option(False, "--blind", help="Use the shipped blind set instead."),
    ) -> None:
        """Recall on improper and false-block rate on proper questions, per split, as JSON."""
        from greenroom.ethics import evaluation
        from greenroom.ethics.datasets import data_path, load_labelled
        from greenroom.ethics.guard import QuestionGuard

        path = data or (data_path("blind_questions.yaml") if blind else None)
        items = load_labelled(path)
        guard = QuestionGuard.from_settings(get_settings())
        out = {k: f.to_dict() for k, f in evaluation.by_split(guard, items).items() if f.n_improper + f.n_proper}
        typer.echo(json.dumps(out, sort_keys=True, indent=2))

    @evaluate_app.command("grading")
    def evaluate_grading(
        repeats: int = typer.Option(3, min=1, max=10, help="Times each answer is graded (test-retest)."),
        score: str = typer.Option("technical_score", help="Grade field: technical_score or response_quality."),
        fairness_answers: int = typer.Option(8, min=0, help="Answers used in the counterfactual check."),
        anonymize: bool = typer.Option(False, "--anonymize", help="Also run the counterfactuals anonymised."),
        data: Path = typer.Option(None, help="A grading set YAML (default: the shipped one)."),
        output: Path = typer.Option(None, help="Write the JSON report here as well."),
    ) -> None:
        """Grader reliability: test-retest, scale usage, ordering strong>medium>weak, counterfactual fairness."""
        from greenroom.ethics.reliability import load_grading_set, reliability_report, to_json

        if score not in ("technical_score", "response_quality"):
            raise InputError(f"Unknown score {score!r}. Valid: response_quality, technical_score.")
        items = load_grading_set(data)
        grade = interview_grade_fn(items, score)
        anon = privacy_anonymizer() if anonymize else None
        text = to_json(
            reliability_report(grade, items, repeats=repeats, fairness_answers=fairness_answers, anonymize=anon)
        )
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        typer.echo(text)
