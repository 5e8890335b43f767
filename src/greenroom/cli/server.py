"""`greenroom serve`: the web app on 127.0.0.1:8000, with a one-time sign-in link printed in the terminal."""

from __future__ import annotations

from typing import Any

import typer

from greenroom.config import get_settings
from greenroom.errors import ConfigError


def serve(
    host: str | None = None,
    port: int | None = None,
    allow_remote: bool = False,
    open_browser: bool = False,
    serving: dict[str, Any] | None = None,
) -> None:
    """Start the server (blocks until Ctrl-C)."""
    import uvicorn

    from greenroom.server.app import create_app
    from greenroom.server.security import Auth, is_loopback

    base = get_settings()
    settings = base.model_copy(
        update={
            "server_host": host or base.server_host,
            "server_port": base.server_port if port is None else port,
            "server_allow_remote": allow_remote or base.server_allow_remote,
            **(serving or {}),
        }
    )
    if settings.serving_min_workers > settings.serving_max_workers:
        raise ConfigError(
            f"--min-workers ({settings.serving_min_workers}) is above --max-workers ({settings.serving_max_workers})."
        )
    if not is_loopback(settings.server_host) and not settings.server_allow_remote:
        raise ConfigError(
            f"Refusing to listen on {settings.server_host}: only this machine (127.0.0.1) is allowed by default.",
            hint="Add --allow-remote to serve other machines; the sign-in token is then required on every page.",
        )
    passphrase = None
    if settings.privacy_key_mode == "passphrase" and not settings.privacy_passphrase:
        passphrase = str(typer.prompt("Passphrase", hide_input=True))
    auth = Auth(token=settings.server_token) if settings.server_token else Auth()
    app = create_app(settings, auth=auth, passphrase=passphrase)
    shown = "127.0.0.1" if settings.server_host in ("0.0.0.0", "::") else settings.server_host
    if ":" in shown:
        shown = f"[{shown}]"
    url = f"http://{shown}:{settings.server_port}/auth?code={auth.new_login_code()}"
    typer.echo("Greenroom is starting. Open this one-time link in your browser (it signs you in):")
    typer.echo(f"  {url}")
    if not is_loopback(settings.server_host):
        typer.echo("warning: serving other machines over plain HTTP; use it on a trusted network only.", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(
        app,
        host=settings.server_host,
        port=settings.server_port,
        log_level=settings.log_level.lower() if settings.log_level.lower() != "warning" else "warning",
        ws_max_size=settings.server_max_ws_frame_kb * 1024 + 1024,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: str | None = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)."),
        port: int | None = typer.Option(None, "--port", help="Port (default 8000)."),
        allow_remote: bool = typer.Option(
            False, "--allow-remote", help="Allow a non-loopback address (the token is then always required)."
        ),
        open_browser: bool = typer.Option(False, "--open", help="Open the sign-in link in the default browser."),
        engine: str | None = typer.Option(
            None,
            "--engine",
            help="Who runs the models: pool (local workers, default), single (the server process) or ray.",
        ),
        ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster address (with --engine ray)."),
        min_workers: int | None = typer.Option(None, "--min-workers", min=1, help="Fewest workers or replicas."),
        max_workers: int | None = typer.Option(None, "--max-workers", min=1, help="Most workers or replicas."),
        server_preset: bool = typer.Option(
            False, "--server-preset", help="The many-core preset: 2 to 10 workers, scaling at 70 % utilisation."
        ),
    ) -> None:
        """The web app: the interview room, reports, history and privacy controls, at http://127.0.0.1:8000."""
        from greenroom.serving.base import ENGINES, SERVER_PRESET

        serving: dict[str, Any] = dict(SERVER_PRESET) if server_preset else {}
        if engine is not None:
            if engine != "single" and engine not in ENGINES:
                raise ConfigError(f"Unknown engine {engine!r}: use single, pool or ray.")
            serving["serving_engine"] = engine
        if ray_address is not None:
            if engine != "ray":
                raise ConfigError("--ray-address goes with --engine ray.")
            serving["serving_ray_address"] = ray_address
        if min_workers is not None:
            serving["serving_min_workers"] = min_workers
        if max_workers is not None:
            serving["serving_max_workers"] = max_workers
        serve(host, port, allow_remote, open_browser, serving)
