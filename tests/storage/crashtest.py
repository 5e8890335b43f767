"""The crash test loop, shared by tests/storage/test_storage_crash.py and benchmarks/storage.py.

Each round forks a child that writes sessions (crash_child.run) and SIGKILLs it after a random
delay (0 to `max_delay_s`), so kills land during start-up, migration, key unlock and commits. Then the
database is reopened: `PRAGMA integrity_check` must say ok and every session the child reported as
committed must be there, byte-for-byte the same content.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from crash_child import digest, run, session_payload


@dataclass
class CrashResult:
    rounds: int = 0
    reported: int = 0
    verified: int = 0  # reported sessions read back intact right after the kill that followed them
    integrity_failures: int = 0
    missing_or_changed: list[str] = field(default_factory=list)
    killed_before_first_commit: int = 0
    seconds: float = 0.0


def crash_rounds(data_dir: Path, rounds: int, *, max_delay_s: float = 0.4, seed: int = 1) -> CrashResult:
    from greenroom.config import Settings
    from greenroom.storage import engine as eng
    from greenroom.storage.repository import open_store

    rng = random.Random(seed)
    key_file = data_dir.parent / f"{data_dir.name}.key"
    result = CrashResult()
    start = time.perf_counter()
    committed: dict[str, str] = {}
    for r in range(rounds):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read_fd)
            try:
                run(str(data_dir), str(key_file), write_fd, seed * 1000 + r)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0, max_delay_s))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_fd, "rb") as fh:
            lines = fh.read().decode().splitlines()
        result.rounds += 1
        if not lines:
            result.killed_before_first_commit += 1
        for line in lines:
            parts = line.split()
            if len(parts) == 3:  # a torn last line was never fully reported: not a promise
                committed[parts[0]] = parts[1] + " " + parts[2]
        result.reported = len(committed)
        store = open_store(Settings(data_dir=data_dir, privacy_key_file=key_file))
        try:
            if eng.integrity_check(store.engine) != "ok":
                result.integrity_failures += 1
            # check this round's sessions fully and a sample of older ones
            new_ids = [ln.split()[0] for ln in lines if len(ln.split()) == 3]
            older = [k for k in committed if k not in new_ids]
            for n, sid in enumerate(new_ids + rng.sample(older, min(3, len(older)))):
                s, want = committed[sid].split()
                try:
                    got = store.get_session(sid)
                    meta, turns, report = session_payload(int(s))
                    stored_turns = [
                        {k: v for k, v in tr.items() if k not in ("index", "created_at")} for tr in got["turns"]
                    ]
                    ok = digest(got["meta"], stored_turns, got["report"]) == want == digest(meta, turns, report)
                except Exception as exc:  # noqa: BLE001 - any failure to read back is a lost session
                    ok = False
                    result.missing_or_changed.append(f"{sid}: {exc}")
                    continue
                if ok:
                    result.verified += n < len(new_ids)  # sessions of this round; older ones are re-checks
                else:
                    result.missing_or_changed.append(sid)
        finally:
            store.close()
    result.seconds = time.perf_counter() - start
    return result
