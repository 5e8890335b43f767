"""Training commands: `greenroom train guard | data | lora`.

Each command calls one function of `greenroom.training` and prints what it did; figures are JSON on
request (`--json`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from greenroom.config import get_settings

train_app = typer.Typer(
    help="Train Greenroom's models: the question guard, datasets, LoRA adapters.", no_args_is_help=True
)

BLIND_SETS = ("blind_questions.yaml", "blind2_questions.yaml", "blind3_questions.yaml")


def guard_figures(guard: object) -> dict[str, dict[str, object]]:
    """Recall and false blocks of a guard on every shipped blind set (whole guard: rules + second stage)."""
    from greenroom.ethics import evaluation
    from greenroom.ethics.datasets import data_path, load_labelled
    from greenroom.ethics.guard import QuestionGuard

    assert isinstance(guard, QuestionGuard)
    out: dict[str, dict[str, object]] = {}
    for name in BLIND_SETS:
        path = data_path(name)
        if path.exists():
            out[name.removesuffix("_questions.yaml")] = evaluation.evaluate(guard, load_labelled(path)).to_dict()
    return out


@train_app.command("guard")
def train_guard(
    output: Path = typer.Option(
        None, help="Where to write the head JSON (default: <data_dir>/models/guard_head.json)."
    ),
    max_false_block: float = typer.Option(0.02, min=0.0, max=0.5, help="Out-of-fold false-block limit."),
    folds: int = typer.Option(5, min=2, max=10, help="Cross-validation folds that choose C and the threshold."),
    c: list[float] = typer.Option(None, "--c", help="Regularisation values to try (default 4, 16, 64, 256)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Train the question guard's classifier head on the labelled questions; print before/after blind figures."""
    from greenroom.embeddings import get_embedder
    from greenroom.ethics.events import GuardMetrics
    from greenroom.ethics.guard import QuestionGuard
    from greenroom.training.guard_train import C_GRID, model_card, train_guard_head

    settings = get_settings()
    out = output or settings.data_dir / "models" / "guard_head.json"
    emb = get_embedder()
    result = train_guard_head(emb, max_false_block=max_false_block, folds=folds, c_grid=tuple(c) if c else C_GRID)
    before = guard_figures(QuestionGuard(emb, stage="exemplar", metrics=GuardMetrics()))
    after = guard_figures(QuestionGuard(emb, head=result.head, metrics=GuardMetrics()))
    result.head.save(out)
    card = out.with_name(out.stem + "_card.md")
    card.write_text(model_card(result, after), encoding="utf-8")
    report = {
        "head": str(out),
        "card": str(card),
        "C": result.c,
        "threshold": result.head.threshold,
        "oof_recall": round(result.oof_recall, 4),
        "oof_false_block": round(result.oof_false_block, 4),
        "before": before,
        "after": after,
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"trained guard head -> {out} (card {card.name}); C={result.c:g}, threshold {result.head.threshold:.2f}")
    typer.echo(f"out-of-fold: recall {result.oof_recall:.3f}, false blocks {result.oof_false_block:.1%}")
    for name in after:
        b, a = before[name], after[name]
        typer.echo(
            f"{name}: recall {b['recall']:.3f} -> {a['recall']:.3f}, "
            f"false blocks {b['false_block_rate']:.1%} -> {a['false_block_rate']:.1%}"
        )
    if output is None:
        typer.echo(f"use it: GREENROOM_ETHICS_GUARD_HEAD={out}")


def consented_sessions(settings: object) -> list[dict[str, object]]:
    """Every stored session whose candidate opted in to training use (decrypted; others are never read)."""
    from greenroom.storage.repository import open_store
    from greenroom.training.data import has_consent

    store = open_store(settings)  # type: ignore[arg-type]
    try:
        out = []
        for row in store.list_sessions():
            if "error" in row:
                continue
            data = store.get_session(str(row["id"]))
            if has_consent(data):
                out.append(data)
        store.audit("training_read", len(out), "sessions with training consent read by `train data`")
        return out
    finally:
        store.close()


@train_app.command("data")
def train_data(
    output: Path = typer.Option(None, help="Dataset folder (default: <data_dir>/training/data)."),
    sessions: bool = typer.Option(
        True, "--sessions/--no-sessions", help="Include local sessions whose candidate opted in (anonymised)."
    ),
    val_share: float = typer.Option(0.1, min=0.0, max=0.49, help="Share of examples in the validation split."),
    test_share: float = typer.Option(0.1, min=0.0, max=0.49, help="Share of examples in the test split."),
    as_json: bool = typer.Option(False, "--json", help="Print the data card as JSON."),
) -> None:
    """Build chat-format datasets (train/validation/test) from the bank, the labelled answers and opted-in sessions."""
    from greenroom.training.data import build_datasets

    settings = get_settings()
    out = output or settings.data_dir / "training" / "data"
    found = consented_sessions(settings) if sessions else []
    anonymize = None
    if found:
        from greenroom.privacy.pii import Anonymizer

        anonymize = Anonymizer().anonymize
    card = build_datasets(out, sessions=found, anonymize=anonymize, val_share=val_share, test_share=test_share)
    if as_json:
        typer.echo(json.dumps(card.to_dict(), indent=2))
        return
    typer.echo(f"datasets -> {out}: " + ", ".join(f"{k} {v}" for k, v in card.counts.items()))
    typer.echo("by task: " + ", ".join(f"{k} {v}" for k, v in card.by_task.items()))
    typer.echo(f"sessions used: {card.sessions_consented} (opted in); data card: {out / 'README.md'}")


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
