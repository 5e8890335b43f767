"""Commands about the installation itself: `config show`, `doctor`, and `start` (the main job: the web app;
the terminal interview is `greenroom practice`)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from greenroom.config import config_file_path, get_settings

console = Console()


def register(app: typer.Typer) -> None:
    config_app = typer.Typer(help="Show the settings.", no_args_is_help=True)
    app.add_typer(config_app, name="config")

    @config_app.command("show")
    def config_show(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
        """Print the effective settings (environment, TOML file and defaults)."""
        data = get_settings().public_dict()
        if as_json:
            typer.echo(json.dumps(data, indent=2))
            return
        table = Table(title=f"Settings (file: {config_file_path()})")
        table.add_column("setting")
        table.add_column("value")
        table.add_column("environment variable")
        for key, value in data.items():
            table.add_row(key, str(value), f"GREENROOM_{key.upper()}")
        console.print(table)

    @app.command()
    def doctor(as_json: bool = typer.Option(False, "--json")) -> None:
        """Check this machine (CPU, RAM, GPU, disk) and recommend a model preset."""
        from greenroom.system import run_doctor

        s = get_settings()
        report = run_doctor(s.data_dir, s.model_dir)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "ok": report.ok,
                        "checks": [c.__dict__ for c in report.checks],
                        "recommended_preset": report.recommended_preset,
                        "reason": report.reason,
                    },
                    indent=2,
                )
            )
            return
        table = Table(title="Greenroom doctor")
        for col in ("check", "status", "value", "advice"):
            table.add_column(col)
        for c in report.checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[yellow]warn[/]", c.value, c.advice)
        console.print(table)
        console.print(f"Recommended preset: [bold]{report.recommended_preset}[/] ({report.reason})")

    @app.command()
    def start(
        host: str | None = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)."),
        port: int | None = typer.Option(None, "--port", help="Port (default 8000)."),
    ) -> None:
        """The main job: start the web app (same as `greenroom serve`) and print the link to open.
        The terminal interview is `greenroom practice`."""
        from greenroom.cli.server import serve

        serve(host, port)
