"""`greenroom federated server | join | certs`: federated learning with Flower (see docs/federated.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from greenroom.config import get_settings
from greenroom.errors import GreenroomError, InputError

console = Console()


def _fed_dir() -> Path:
    s = get_settings()
    return s.federated_dir or s.data_dir / "federated"


def register(app: typer.Typer) -> None:
    fed = typer.Typer(
        help="Federated learning with Flower: train shared models, keep the data here.", no_args_is_help=True
    )
    app.add_typer(fed, name="federated")

    @fed.command("certs")
    def certs(
        host: list[str] = typer.Option(..., "--host", help="Name or IP the members will use to reach the server."),
        out: Path | None = typer.Option(None, "--dir", help="Where to write them (default: <data>/federated/certs)."),
    ) -> None:
        """Create the group's self-signed CA and the server's TLS certificate."""
        from greenroom.federated.certs import make_certificates

        paths = make_certificates(out or _fed_dir() / "certs", list(host))
        typer.echo(f"CA certificate (give this file to every member): {paths.ca}")
        typer.echo(f"Server certificate and key: {paths.cert}, {paths.key} (CA key, keep private: {paths.ca_key})")

    @fed.command("server")
    def server(
        host: str = typer.Option("127.0.0.1", "--host", help="Address the SuperLink listens on for members."),
        port: int = typer.Option(None, "--port", help="Fleet port members connect to (default: settings)."),
        task: str = typer.Option("guard-head", "--task", help="guard-head or interviewer-lora."),
        lora_base: Path | None = typer.Option(None, "--lora-base", help="LoRA: the base model (HF folder or GGUF)."),
        heldout: Path | None = typer.Option(None, "--heldout", help="LoRA: held-out `greenroom train data` folder."),
        rounds: int = typer.Option(3, "--rounds", min=1, help="Federated rounds."),
        min_clients: int = typer.Option(3, "--min-clients", min=1, help="Members needed to start."),
        fedprox: float = typer.Option(0.0, "--fedprox", min=0.0, help="FedProx proximal mu (0: plain FedAvg)."),
        dp: bool = typer.Option(False, "--dp/--no-dp", help="Client-side clipping plus Gaussian noise."),
        dp_noise: float = typer.Option(0.3, "--dp-noise", min=0.0, help="DP noise multiplier."),
        dp_clip: float = typer.Option(1.0, "--dp-clip", min=0.0, help="DP clipping norm of each update."),
        secagg: str = typer.Option("auto", "--secagg", help="SecAgg+: auto (on with 3+ members), on, off."),
        init: str = typer.Option("zeros", "--init", help="Start from zeros or from the production guard head."),
        local_epochs: int = typer.Option(20, "--local-epochs", min=1, help="Local passes per round."),
        certs_dir: Path | None = typer.Option(None, "--certs", help="Folder from `federated certs`."),
        insecure: bool = typer.Option(False, "--insecure", help="No TLS (loopback tests only)."),
        timeout: float = typer.Option(3600.0, "--timeout", help="Give up after this many seconds."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Run a SuperLink and one federation (guard head or LoRA); the result is registered as a candidate."""
        from greenroom.federated.service import run_server

        s = get_settings()
        result = run_server(
            _fed_dir(),
            host=host,
            port=port or s.federated_port,
            certs_dir=certs_dir,
            insecure=insecure,
            timeout=timeout,
            plan_kwargs={
                "task": task,
                **({"lora_base": str(lora_base), "heldout": str(heldout)} if task != "guard-head" else {}),
                "rounds": rounds,
                "min_clients": min_clients,
                "proximal_mu": fedprox,
                "dp": dp,
                "dp_noise_multiplier": dp_noise,
                "dp_clipping_norm": dp_clip,
                "secagg": secagg,
                "init": init,
                "local_epochs": local_epochs,
                "stage_timeout_s": s.federated_stage_timeout_s,
            },
        )
        if as_json:
            typer.echo(json.dumps(result, indent=2))
        if not result.get("candidate"):
            raise GreenroomError(
                "No round aggregated a member's update (too few members answered in time); nothing was registered."
            )
        if as_json:
            return
        table = Table(title=f"Federation: {result['strategy']}, held-out loss per round")
        for col in ("round", "loss", "accuracy"):
            table.add_column(col)
        for row in result["heldout_loss"]:
            table.add_row(str(row["round"]), f"{row['loss']:.4f}", f"{row.get('accuracy', 0):.3f}")
        console.print(table)
        console.print(f"privacy: {json.dumps(result['privacy'])}")
        console.print(f"candidate: {result.get('candidate')} (stage: candidate; promote only through the gate)")

    @fed.command("join")
    def join(
        url: str = typer.Argument(..., help="The federation server, HOST[:PORT]."),
        ca: Path | None = typer.Option(None, "--ca", help="The group's CA certificate (ca.crt)."),
        examples: Path | None = typer.Option(
            None, "--examples", help="Consented examples (JSON lines: text, label, consent)."
        ),
        audit_dir: Path | None = typer.Option(None, "--audit-dir", help="Record every message this client sends."),
        audit_raw: bool = typer.Option(False, "--audit-raw", help="Also keep the raw bytes of each message."),
        lora_base: Path | None = typer.Option(None, "--lora-base", help="LoRA task: your copy of the base model."),
        lora_data: Path | None = typer.Option(
            None, "--lora-data", help="LoRA task: your `greenroom train data` folder (opted-in sessions only)."
        ),
        insecure: bool = typer.Option(False, "--insecure", help="No TLS (loopback tests only)."),
        yes: bool = typer.Option(False, "--yes", help="Confirm joining without the prompt."),
    ) -> None:
        """Join a federation: train locally, send only parameters and example counts to URL's host."""
        from greenroom.federated.deploy import parse_server_url
        from greenroom.federated.service import run_join

        host, port = parse_server_url(url)
        if not insecure and ca is None:
            raise InputError("Joining needs the group's CA certificate (--ca ca.crt), or --insecure on loopback.")
        if not yes and not typer.confirm(
            f"Join the federation at {host}:{port}? Only model parameters and example counts will be sent there."
        ):
            raise typer.Abort()
        run_join(
            _fed_dir() / "node",
            host,
            port,
            ca=ca,
            examples=examples,
            audit_dir=audit_dir,
            audit_raw=audit_raw,
            insecure=insecure,
            lora_base=lora_base,
            lora_data=lora_data,
        )
