"""The crash test's writer: commits whole sessions in a loop and reports each one after its commit.

Run in a child process (forked or spawned); the parent SIGKILLs it at a random moment. A line
`<session id> <turn count> <sha256 of the canonical content>` is written to `report_fd` and fsynced
only after `save_session` has returned, i.e. after the transaction committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path


def session_payload(seed: int) -> tuple[dict[str, object], list[dict[str, object]], dict[str, object]]:
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    meta = {"track": "technical", "role": f"role-{seed}", "interview_id": "r" * rng.randint(10, 4000)}
    turns: list[dict[str, object]] = [
        {
            "question": f"q{seed}-{i}",
            "answer": "word " * rng.randint(5, 600),
            "grade": {"technical_score": rng.randint(1, 5)},
            "delivery_metrics": {"wpm": rng.random() * 200},
        }
        for i in range(n)
    ]
    return meta, turns, {"notes": [f"report {seed}"]}


def digest(meta: object, turns: object, report: object) -> str:
    return hashlib.sha256(json.dumps([meta, turns, report], sort_keys=True).encode()).hexdigest()


def run(data_dir: str, key_file: str, report_fd: int, seed: int) -> None:
    from greenroom.config import Settings
    from greenroom.storage.repository import open_store

    store = open_store(Settings(data_dir=Path(data_dir), privacy_key_file=Path(key_file)))
    i = 0
    while True:
        s = seed * 100_000 + i
        meta, turns, report = session_payload(s)
        sid = store.save_session(meta, turns, report)
        os.write(report_fd, f"{sid} {s} {digest(meta, turns, report)}\n".encode())
        os.fsync(report_fd) if not os.isatty(report_fd) else None
        i += 1
