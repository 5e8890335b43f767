"""The `greenroom` command line: thin Typer commands, one module per concern, each calling package code.

`main()` turns every `GreenroomError` into one clear line on stderr and a non-zero exit.
"""

from __future__ import annotations

import logging
import sys

import typer

from greenroom.cli import analyze, common, llm_commands, speech_commands
from greenroom.cli import ethics as ethics_commands
from greenroom.cli import federated as federated_commands
from greenroom.cli import interview as interview_commands
from greenroom.cli import privacy as privacy_commands
from greenroom.cli import server as server_commands
from greenroom.cli import training as training_commands
from greenroom.cli import vision as vision_commands
from greenroom.config import get_settings
from greenroom.errors import GreenroomError

app = typer.Typer(
    name="greenroom",
    help="Greenroom: a private, local AI mock-interview coach.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
llm_commands.register(app)
common.register(app)
speech_commands.register(app)
vision_commands.register(app)
analyze.register(app)
privacy_commands.register(app)
ethics_commands.register(app)
server_commands.register(app)
interview_commands.register(app)
training_commands.register(app)
federated_commands.register(app)


def main() -> None:
    """Console entry point."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if settings.egress_guard:
        from greenroom.privacy import netguard

        netguard.install(settings.egress_allowed_hosts())
    try:
        app(standalone_mode=False)
    except GreenroomError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
