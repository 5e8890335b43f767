"""The repository: every read and write of interview data goes through `Store`, assembled from parts
split by job: `records` (profiles, sessions, turns, grades, metrics, reports, resume state), `media`
(opt-in recordings), `rights` (export and delete) and `retention` (purge). The one writer of content is
`core.StoreCore._write`: the allow-list of `schema`, then AES-GCM encryption per field.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greenroom.privacy.crypto import FieldCipher
from greenroom.storage import engine as eng
from greenroom.storage.core import DAY, RecordingsDisabledError, new_id
from greenroom.storage.media import MEDIA_KINDS
from greenroom.storage.records import GRADE_KEY, METRICS_SUFFIX
from greenroom.storage.retention import PurgeResult, Retention
from greenroom.storage.rights import EXPORT_FORMAT, Rights

if TYPE_CHECKING:
    from greenroom.config import Settings

__all__ = [
    "DAY",
    "EXPORT_FORMAT",
    "GRADE_KEY",
    "MEDIA_KINDS",
    "METRICS_SUFFIX",
    "PurgeResult",
    "RecordingsDisabledError",
    "Store",
    "key_source",
    "new_id",
    "open_store",
]


class Store(Rights, Retention):
    """Encrypted storage of profiles, sessions, turns, grades, metrics, reports, resume states and media."""


def open_store(
    settings: Settings,
    *,
    passphrase: str | None = None,
    clock: Callable[[], float] = time.time,
    cipher: FieldCipher | None = None,
) -> Store:
    """Open (and migrate) the database in `settings`, unlock the data key, and return the `Store`.

    `cipher` replaces the keyring; only the benchmark passes one (its no-encryption baseline).
    """
    from greenroom.storage import keyring

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = eng.make_engine(settings.database_url, settings.data_dir)
    eng.migrate(engine)
    if cipher is None:
        try:
            cipher = keyring.unlock(engine, key_source(settings, passphrase), clock)
        except BaseException:
            engine.dispose()
            raise
    return Store(
        engine,
        cipher,
        settings.data_dir,
        retention_days=settings.privacy_retention_days,
        keep_recordings=settings.privacy_keep_recordings,
        clock=clock,
    )


def key_source(settings: Settings, passphrase: str | None = None) -> Any:
    """The KEK source the settings describe (key file by default, or a passphrase)."""
    from greenroom.storage.keyring import KekSource

    key_file = settings.privacy_key_file or settings.data_dir / "keys" / "greenroom.key"
    return KekSource(
        mode=settings.privacy_key_mode,
        key_file=Path(key_file),
        passphrase=passphrase if passphrase is not None else settings.privacy_passphrase,
    )
