"""Privacy and storage commands: anonymize, privacy policy, sessions list|show|export|delete,
delete-all, purge, and keys rotate."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from greenroom.config import Settings, get_settings
from greenroom.errors import InputError

if TYPE_CHECKING:
    from greenroom.storage.repository import Store


def _passphrase(settings: Settings, prompt: str = "Passphrase") -> str | None:
    if settings.privacy_key_mode != "passphrase" or settings.privacy_passphrase:
        return None
    return str(typer.prompt(prompt, hide_input=True))


def _store() -> Store:
    from greenroom.storage.repository import open_store

    settings = get_settings()
    return open_store(settings, passphrase=_passphrase(settings))


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _write_json(doc: dict[str, Any], output: Path | None) -> None:
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
        return
    import os

    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    typer.echo(f"wrote {output} (readable by you only)", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def anonymize(as_json: bool = typer.Option(False, "--json", help="Print the detected spans as JSON.")) -> None:
        """Read text on stdin and print it with names, contacts and IDs replaced by placeholders."""
        from greenroom.privacy.pii import Anonymizer

        text = sys.stdin.read()
        anonymizer = Anonymizer()
        spans = anonymizer.detect(text)
        if as_json:
            typer.echo(json.dumps([s.as_dict() for s in spans], indent=2, ensure_ascii=False))
        else:
            typer.echo(anonymizer.redact(text, spans), nl=False)

    privacy_app = typer.Typer(help="What Greenroom keeps, and for how long.", no_args_is_help=True)
    app.add_typer(privacy_app, name="privacy")

    @privacy_app.command("policy")
    def privacy_policy() -> None:
        """Show the data-minimisation and retention policy."""
        from greenroom.privacy.minimize import policy_text

        s = get_settings()
        typer.echo(policy_text(int(s.privacy_retention_days), s.privacy_keep_recordings))

    sessions_app = typer.Typer(help="Your stored interview sessions: list, show, export, delete.", no_args_is_help=True)
    app.add_typer(sessions_app, name="sessions")

    @sessions_app.command("list")
    def sessions_list(as_json: bool = typer.Option(False, "--json")) -> None:
        """List stored sessions (newest first) with their purge date."""
        store = _store()
        items = store.list_sessions()
        if as_json:
            typer.echo(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not items:
            typer.echo("No stored sessions.")
        for it in items:
            label = it.get("error") or f"{it.get('track') or '-'} / {it.get('role') or '-'}"
            typer.echo(
                f"{it['id']}  {_when(it['created_at'])}  turns={it['turns']}  "
                f"deleted on {_when(it['expires_at'])}  {label}"
            )

    @sessions_app.command("show")
    def sessions_show(session_id: str) -> None:
        """Print one session, decrypted, as JSON."""
        typer.echo(json.dumps(_store().get_session(session_id), indent=2, ensure_ascii=False))

    @sessions_app.command("export")
    def sessions_export(
        session_id: str | None = typer.Argument(None, help="A session id; leave out with --all."),
        all_: bool = typer.Option(False, "--all", help="Export every session and profile."),
        output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file (mode 0600)."),
        no_media: bool = typer.Option(False, "--no-media", help="Leave recordings out of the export."),
    ) -> None:
        """Export as one machine-readable JSON document (GDPR Art. 20)."""
        store = _store()
        if all_:
            doc = store.export_all(include_media=not no_media)
        elif session_id:
            doc = store.export_session(session_id, include_media=not no_media)
        else:
            raise InputError("Give a session id, or --all.")
        _write_json(doc, output)

    @sessions_app.command("delete")
    def sessions_delete(session_id: str, yes: bool = typer.Option(False, "--yes", "-y")) -> None:
        """Delete one session now, with its recordings (GDPR Art. 17)."""
        if not yes:
            typer.confirm(f"Delete session {session_id} for good?", abort=True)
        _store().delete_session(session_id)
        typer.echo(f"deleted {session_id}")

    @app.command("delete-all")
    def delete_all(yes: bool = typer.Option(False, "--yes", "-y")) -> None:
        """Delete every session, profile and recording now (GDPR Art. 17)."""
        if not yes:
            typer.confirm("Delete ALL your Greenroom data for good?", abort=True)
        n = _store().delete_all()
        typer.echo(f"deleted {n} sessions and every profile and recording")

    @app.command()
    def purge() -> None:
        """Delete everything past its retention period now (also runs at server start and hourly)."""
        from greenroom.privacy.retention import purge_now

        r = purge_now(_store())
        typer.echo(
            f"purged {r.sessions} sessions, {r.profiles} profiles, {r.media_files} media files in {r.seconds:.2f}s"
        )

    keys_app = typer.Typer(help="The encryption keys.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("rotate")
    def keys_rotate(
        reencrypt: bool = typer.Option(
            False, "--reencrypt", help="Re-encrypt everything under a new data key (resumable)."
        ),
        to: str | None = typer.Option(None, "--to", help="Switch protection to 'keyfile' or 'passphrase'."),
        max_batches: int | None = typer.Option(None, "--max-batches", help="Stop after N batches (resume later)."),
    ) -> None:
        """Re-wrap the data key under a new key file / passphrase, or re-encrypt all data (--reencrypt)."""
        from greenroom.storage import rotation
        from greenroom.storage.repository import key_source

        settings = get_settings()
        store = _store()
        old = key_source(settings, _passphrase(settings))
        if reencrypt:
            r = rotation.reencrypt(store, old, max_batches=max_batches)
            state = "done" if r.finished else "interrupted: run the same command again to resume"
            typer.echo(
                f"re-encrypted {r.values_reencrypted} values and {r.files_reencrypted} files under key "
                f"{r.active_key_id} ({state})"
            )
            return
        mode = to or settings.privacy_key_mode
        if mode not in ("keyfile", "passphrase"):
            raise InputError(f"--to must be 'keyfile' or 'passphrase', not {mode!r}.")
        new_pass = None
        if mode == "passphrase":
            new_pass = str(typer.prompt("New passphrase", hide_input=True, confirmation_prompt=True))
        from greenroom.storage.keyring import KekSource

        new = KekSource(mode=mode, key_file=old.key_file, passphrase=new_pass)
        r = rotation.rewrap(store, old, new)
        typer.echo(f"re-wrapped {r.keys_rewrapped} data key(s) under a new {mode}")
        if mode != settings.privacy_key_mode:
            typer.echo(f"now set GREENROOM_PRIVACY_KEY_MODE={mode}", err=True)
