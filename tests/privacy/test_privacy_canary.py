"""The canary tests: planted personal data never reaches the disk in plaintext, and a purge leaves
no remnant of it. Every file under the data directory is read as bytes: database, -wal, -shm, media,
key and log files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from greenroom.config import Settings
from greenroom.privacy.crypto import PlaintextCipher
from greenroom.privacy.pii import Anonymizer, PiiDetector
from greenroom.privacy.retention import purge_now
from greenroom.storage import tables as t
from greenroom.storage.repository import Store, open_store

NAME = "Elspeth Marchetti"
EMAIL = "elspeth.marchetti@canarymail.org"
PHONE = "+1 415 555 0187"
MARKER = "CANARY-7f3a9c-PURPLE-OTTER"
CANARIES = [NAME, "Marchetti", EMAIL, PHONE, MARKER]

ANSWERS = [
    f"Hi, my name is {NAME}. I led the migration from RabbitMQ to Kafka. {MARKER} is my favourite phrase.",
    f"You can reach me at {EMAIL} or on {PHONE}. We kept p99 under 200ms with Redis.",
    f"At the end {NAME.split()[0]} ({NAME}) wrote the Raft runbook; {MARKER} again.",
]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def scan(data_dir: Path) -> dict[str, list[str]]:
    """Which canaries appear, in which files, in UTF-8, UTF-16 or lower case."""
    found: dict[str, list[str]] = {}
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing to scan"
    for path in files:
        raw = path.read_bytes()
        for canary in CANARIES:
            forms = {canary.encode(), canary.lower().encode(), canary.encode("utf-16-le")}
            if any(f in raw for f in forms):
                found.setdefault(canary, []).append(path.name)
    return found


@pytest.fixture
def log_to_data_dir(data_dir: Path) -> Iterator[Path]:
    """Everything Greenroom logs, at DEBUG, goes to a file in the data dir, which is scanned too."""
    log_file = data_dir / "logs" / "greenroom.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield log_file
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def run_session(store: Store, anonymizer: Anonymizer) -> str:
    """What the interview engine does: redact each transcript, then store it with grade and metrics."""
    sid = store.create_session({"track": "technical", "role": "SRE", "resume": f"{NAME}\n{EMAIL}\n{PHONE}\n{MARKER}"})
    for i, answer in enumerate(ANSWERS):
        store.add_turn(
            sid,
            i,
            {
                "question": f"Question {i}",
                "answer": anonymizer.anonymize(answer),
                "grade": {"technical_score": 4, "strengths": [f"Good use of Kafka. {MARKER}"]},
                "delivery_metrics": {"wpm": 150},
                "vision_metrics": {"face": {"eye_contact_ratio": 0.9}},
            },
        )
    store.add_media(sid, "audio", f"RIFF {NAME} {MARKER} pcm".encode() * 100, turn_index=0)
    store.save_report(sid, {"notes": [f"{MARKER}: strong answers"]})
    return sid


def test_no_canary_on_disk(data_dir: Path, detector: PiiDetector, log_to_data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, privacy_keep_recordings=True)
    store = open_store(settings)
    sid = run_session(store, Anonymizer(detector))
    # the redacted transcripts hold placeholders, consistently, and keep the technical words
    turns = store.get_session(sid)["turns"]
    text = " ".join(tr["answer"] for tr in turns)
    for pii in (NAME, "Marchetti", EMAIL, PHONE):
        assert pii not in text
    assert "<PERSON_1>" in turns[0]["answer"] and "<PERSON_1>" in turns[2]["answer"]
    assert all(term in text for term in ("RabbitMQ", "Kafka", "p99", "Redis", "Raft"))
    assert MARKER in text  # not PII: it stays in the transcript, so only encryption keeps it off the disk
    store.export_session(sid)
    store.close()
    logging.getLogger("greenroom.test").debug("session %s written", sid)
    assert log_to_data_dir.stat().st_size > 0
    names = {p.name for p in data_dir.rglob("*") if p.is_file()}
    assert {"greenroom.db", "greenroom.log"} <= names and any(n.endswith(".bin") for n in names)
    assert scan(data_dir) == {}


def test_scanner_sees_plaintext(data_dir: Path, detector: PiiDetector) -> None:
    """Control: without encryption the same session IS visible on disk, so the scan can fail."""
    store = open_store(Settings(data_dir=data_dir, privacy_keep_recordings=True), cipher=PlaintextCipher())
    run_session(store, Anonymizer(detector))
    store.close()
    found = scan(data_dir)
    assert MARKER in found and NAME in found  # the recording holds the name


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plaintext-control"])
def test_purge_leaves_no_remnant(data_dir: Path, detector: PiiDetector, encrypted: bool) -> None:
    clock = Clock()
    settings = Settings(data_dir=data_dir, privacy_keep_recordings=True)
    store = open_store(settings, clock=clock, cipher=None if encrypted else PlaintextCipher())
    sid = run_session(store, Anonymizer(detector))
    with store.engine.connect() as conn:
        blobs = [bytes(b) for b in conn.execute(select(t.turns.c.content).where(t.turns.c.session_id == sid)).scalars()]
    before = scan(data_dir)
    assert (before == {}) is encrypted  # plaintext control: the canaries ARE on disk before the purge
    clock.now += 31 * 86400
    result = purge_now(store)
    assert result.sessions == 1 and result.media_files == 1
    assert store.row_counts() == dict.fromkeys(("profiles", "sessions", "turns", "grades", "metrics", "media"), 0)
    assert list(store.media_dir.iterdir()) == []
    store.close()
    assert scan(data_dir) == {}
    raw = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for blob in blobs:  # not even the ciphertext of the purged turns survives
        assert blob[20:60] not in raw
    wal = data_dir / "greenroom.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
