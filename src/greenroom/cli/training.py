"""Training commands: `greenroom train guard | data | lora`.

Each command calls one function of `greenroom.training` and prints what it did; figures are JSON on
request (`--json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from greenroom.config import get_settings

train_app = typer.Typer(
    help="Train Greenroom's models: the question guard, datasets, LoRA adapters.", no_args_is_help=True
)


def guard_figures(guard: object) -> dict[str, dict[str, object]]:
    """Recall and false blocks of a guard on every shipped blind set (whole guard: rules + second stage)."""
    from greenroom.ethics import evaluation
    from greenroom.ethics.datasets import load_blind_sets
    from greenroom.ethics.guard import QuestionGuard

    assert isinstance(guard, QuestionGuard)
    return {name: evaluation.evaluate(guard, items).to_dict() for name, items in load_blind_sets().items()}


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


@train_app.command("lora")
def train_lora_cmd(
    base: Path = typer.Option(None, help="Base model: a GGUF file or HF folder (default: the embedded 1.5B GGUF)."),
    data: Path = typer.Option(None, help="Dataset folder from `train data` (default: <data_dir>/training/data)."),
    output: Path = typer.Option(None, help="Adapter folder (default: <data_dir>/training/adapters/<time>)."),
    epochs: float = typer.Option(3.0, min=0.01, help="Epochs (seed default 3)."),
    batch_size: int = typer.Option(4, min=1, help="Batch size (seed default 4)."),
    learning_rate: float = typer.Option(5e-5, min=0.0, help="Learning rate (seed default 5e-5)."),
    warmup_steps: int = typer.Option(500, min=0, help="Warmup steps (seed 500), capped at 10% of the steps."),
    max_steps: int = typer.Option(-1, help="Stop after this many steps (-1: the epochs decide)."),
    max_length: int = typer.Option(384, min=16, help="Longest example in tokens."),
    export: bool = typer.Option(
        True, "--export/--no-export", help="Also write a GGUF LoRA for the llama_cpp back-end."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """LoRA fine-tune the interviewer model (transformers Trainer + peft) and export the adapter to GGUF."""
    import time

    from greenroom.llm.presets import get_preset
    from greenroom.training.export import export_gguf_lora, save_base_config
    from greenroom.training.lora import LoraArgs, load_base, train_lora

    settings = get_settings()
    base_path = base or get_preset("qwen2.5-coder-1.5b").path(settings.model_dir)
    data_dir = data or settings.data_dir / "training" / "data"
    out = output or settings.data_dir / "training" / "adapters" / time.strftime("%Y%m%d-%H%M%S")
    args = LoraArgs(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_steps=warmup_steps,
        max_steps=max_steps,
        max_length=max_length,
    )
    model, tok = load_base(base_path)
    result = train_lora((model, tok), data_dir, out, args)
    report = result.to_dict()
    report["base"] = str(base_path)
    if export:
        cfg = save_base_config(model, out / "base_config")
        report["gguf_lora"] = str(
            export_gguf_lora(out, cfg, out / "adapter.gguf", llama_cpp_dir=settings.training_llama_cpp_dir)
        )
    (out / "training.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"adapter -> {out} ({result.steps} steps, warmup {result.warmup_steps}, {result.seconds:.0f} s)")
    typer.echo(f"loss: train {result.train_loss:.3f}; validation {result.eval_loss_before} -> {result.eval_loss}")
    if export:
        typer.echo(f"GGUF LoRA: {report['gguf_lora']} (GREENROOM_LLM_LORA_PATH for the llama_cpp back-end)")


def evaluate_model(
    model: str = typer.Argument(None, help="A preset name or a GGUF path (default: the configured preset)."),
    adapter: Path = typer.Option(None, help="A GGUF LoRA adapter to evaluate with the model."),
    all_presets: bool = typer.Option(False, "--all", help="Evaluate every available embedded preset side by side."),
    items: int = typer.Option(4, min=1, max=50, help="Test items per metric (more: tighter intervals, slower)."),
    deltas_grader: str = typer.Option(
        "model",
        "--deltas-grader",
        help="Grader of the counterfactual grade deltas: 'model' (hybrid grader, the evaluated model as rubric) "
        "or 'rules' (no LLM rubric: cheaper, measures the embedding and rule part only).",
    ),
    output: Path = typer.Option(
        None, help="Folder for evaluation.json, .md and .html (default: <data_dir>/evaluations/<time>)."
    ),
) -> None:
    """The seed's ModelEvaluator: technical accuracy, response quality, bias, privacy, latency, with 95% CIs."""
    import time

    from greenroom.errors import InputError
    from greenroom.privacy import netguard
    from greenroom.training.evaluate import presets_on_disk, to_html, to_markdown

    settings = get_settings()
    if deltas_grader not in ("model", "rules"):
        raise InputError(f"Unknown --deltas-grader {deltas_grader!r}. Valid: model, rules.")
    runs: list[tuple[Any, str | None]]
    skipped: dict[str, str] = {}
    if all_presets:
        found, skipped = presets_on_disk(settings.model_dir)
        if not found:
            raise InputError(
                f"No preset's model file is present in {settings.model_dir}; run `greenroom models fetch --embedded`."
            )
        runs = [(settings, name) for name in found]
        for name, why in skipped.items():
            typer.echo(f"skipped {name}: {why}")
    elif model and (model.endswith(".gguf") or "/" in model):
        path = Path(model)
        if not path.is_file():
            raise InputError(f"Model file not found: {model}")
        runs = [(settings.model_copy(update={"llm_model_path": path}), None)]
    else:
        runs = [(settings, model)]
    if adapter is not None and not adapter.is_file():
        raise InputError(f"Adapter file not found: {adapter}")
    installed_here = not netguard.is_installed()
    if installed_here:
        netguard.install(settings.egress_allowed_hosts())
    try:
        evals = _run_evals(runs, adapter, items, use_rubric=deltas_grader == "model")
    finally:
        if installed_here:
            netguard.uninstall()
    out = output or settings.data_dir / "evaluations" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps([e.to_dict() for e in evals], indent=2) + "\n", encoding="utf-8")
    if skipped:
        (out / "skipped.json").write_text(json.dumps(skipped, indent=2) + "\n", encoding="utf-8")
    (out / "evaluation.md").write_text(to_markdown(evals, skipped), encoding="utf-8")
    (out / "evaluation.html").write_text(to_html(evals, skipped), encoding="utf-8")
    typer.echo(to_markdown(evals, skipped))
    typer.echo(f"written: {out}/evaluation.json, .md, .html")


def _run_evals(
    runs: list[tuple[Any, str | None]], adapter: Path | None, items: int, *, use_rubric: bool = True
) -> list[Any]:
    import dataclasses

    from greenroom.cli.ethics import interview_grade_fn
    from greenroom.embeddings import get_embedder
    from greenroom.ethics.feedback import FeedbackGuard
    from greenroom.ethics.guard import QuestionGuard
    from greenroom.ethics.reliability import load_grading_set
    from greenroom.interview.grading import Grader
    from greenroom.llm.factory import create_chat_model
    from greenroom.privacy import netguard
    from greenroom.training.evaluate import ModelEvaluator

    settings = get_settings()
    emb = get_embedder()
    guard = QuestionGuard.from_settings(settings, emb)
    feedback_guard = FeedbackGuard(emb, max_chars=settings.ethics_max_text_chars)
    evals = []
    for s, preset in runs:
        if adapter is not None:
            s = s.model_copy(update={"llm_lora_path": adapter})
        llm = create_chat_model(s, preset)
        grade = interview_grade_fn(load_grading_set(), grader=Grader(llm, emb, use_rubric=use_rubric))
        ev = ModelEvaluator(
            llm,
            emb,
            guard,
            egress_refused=netguard.refused_count,
            adapter=adapter.name if adapter else None,
            grade=grade,
            feedback_guard=feedback_guard,
        ).run(items=items)
        evals.append(dataclasses.replace(ev, model=preset or str(getattr(llm, "name", "model"))))
    return evals


def _registry() -> Any:
    from greenroom.training.mlflow_record import MlflowRecord
    from greenroom.training.registry import Registry

    settings = get_settings()
    root = settings.data_dir / "training"
    return Registry(root / "registry.json", MlflowRecord(root) if settings.training_mlflow else None)


def _mirror_notes(reg: Any) -> None:
    for msg in reg.mirror_errors:
        typer.echo(f"warning: not mirrored to MLflow ({msg}); registry.json has the record", err=True)


def models_register(
    name: str = typer.Argument(..., help="A name for this model (e.g. interviewer-lora-2026-11-26)."),
    file: list[Path] = typer.Option(None, "--file", help="Files to hash into the record (GGUF, adapter)."),
    evaluation: Path = typer.Option(None, help="evaluation.json from `greenroom evaluate model`."),
    retest: Path = typer.Option(None, help="A second evaluation.json of the same model: its test-retest noise."),
    kind: str = typer.Option("interviewer", help="interviewer or guard."),
    model_path: Path = typer.Option(None, "--model-path", help="The GGUF that serves this model (for a canary)."),
    lora_path: Path = typer.Option(None, "--lora-path", help="The GGUF LoRA adapter that serves it (for a canary)."),
) -> None:
    """Register a model with its file hashes, evaluation and measured noise (and what serves it)."""
    from greenroom.errors import InputError
    from greenroom.training.registry import noise_from_retest

    def values(path: Path) -> dict[str, float]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            first = data[0] if isinstance(data, list) else data
            return {k: float(v["value"]) for k, v in first["metrics"].items()}
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise InputError(f"Not an evaluation.json: {path} ({exc})") from None

    serves = {k: v for k, v in (("model_path", model_path), ("lora_path", lora_path)) if v is not None}
    files = list(file or []) + [v for v in serves.values() if v not in (file or [])]
    for f in files:
        if not f.is_file():
            raise InputError(f"File not found: {f}")
    ev = values(evaluation) if evaluation else None
    noise = noise_from_retest(ev, values(retest)) if (ev and retest) else None
    reg = _registry()
    params = {k: str(v.resolve()) for k, v in serves.items()}
    entry = reg.register(kind, name, files, params=params, evaluation=ev, noise=noise)
    _mirror_notes(reg)
    typer.echo(entry)


def models_promote(
    entry: str = typer.Argument(..., help="The registered id to promote."),
    canary: float = typer.Option(
        0.0, min=0.0, max=1.0, help="Serve it first to this share of new interviews (the server reads it at start)."
    ),
    force: bool = typer.Option(False, "--force", help="Promote even when the gate refuses (logged)."),
) -> None:
    """Promote a registered model through the gate (or start it as a canary)."""
    reg = _registry()
    if canary > 0:
        reg.set_candidate(entry, canary)
        _mirror_notes(reg)
        typer.echo(f"canary: {entry} serves {canary:.0%} of new interviews; rolls back automatically when worse")
        return
    decision = reg.promote(entry, force=force)
    _mirror_notes(reg)
    typer.echo(("promoted" if decision.promote else "refused") + f": {entry}")
    for r in decision.reasons:
        typer.echo(f"  - {r}")
    if not decision.promote:
        raise typer.Exit(1)


def models_rollback() -> None:
    """Stop the canary, or go back to the previous production model."""
    reg = _registry()
    serving = reg.rollback("operator")
    _mirror_notes(reg)
    typer.echo(f"serving: {serving}")


def models_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Production and candidate models, the live canary's counters (as the server last wrote them), decisions."""
    st = _registry().status()
    live = get_settings().data_dir / "training" / "canary.json"
    st["live_canary"] = json.loads(live.read_text(encoding="utf-8")) if live.exists() else None
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    typer.echo(
        f"production: {st['production']}; candidate: {st['candidate']} "
        f"(share {st['canary_share']:.0%}); registered: {st['entries']}"
    )
    c = st["live_canary"]
    if c:
        typer.echo(f"live canary ({time_str(c['updated_at'])}): {'running' if c['active'] else 'stopped'}")
        for arm in ("candidate", "production"):
            typer.echo(f"  {arm}: {json.dumps(c['counters'][arm])}")
        if c["rolled_back"]:
            typer.echo("  rolled back: " + "; ".join(c["rolled_back"]))
    for item in st["log"]:
        typer.echo(f"  {time_str(item['at'])} {item['event']}: {json.dumps(item['detail'])[:160]}")


def time_str(t: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def register(app: typer.Typer) -> None:
    from greenroom.cli.ethics import evaluate_app
    from greenroom.cli.llm_commands import models_app

    evaluate_app.command("model")(evaluate_model)
    models_app.command("register")(models_register)
    models_app.command("promote")(models_promote)
    models_app.command("rollback")(models_rollback)
    models_app.command("status")(models_status)
    app.add_typer(train_app, name="train")
