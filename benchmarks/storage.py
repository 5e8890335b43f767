"""Storage and privacy figures: encryption overhead, purge time, crash safety, PII and key costs.

Prints one table. Everything runs on the SQLite default (WAL, synchronous=FULL) in a temp dir:

- write / read throughput of whole interview sessions with AES-256-GCM vs the no-encryption baseline
  (`PlaintextCipher`, used only here); the goal is < 15% overhead;
- the time `purge_expired` takes for 100k expired sessions (each with one turn: 200k rows);
- the SIGKILL crash test over 200 rounds (tests/storage/crashtest.py);
- PII anonymisation time per answer, and the Argon2id passphrase unlock time.

Usage: PYTHONPATH=src python benchmarks/storage.py [--sessions 300] [--purge 100000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "storage"))
sys.path.insert(0, str(ROOT / "tests" / "privacy"))

from crashtest import CrashResult, crash_rounds  # noqa: E402

from greenroom.config import Settings  # noqa: E402
from greenroom.privacy.crypto import PlaintextCipher  # noqa: E402
from greenroom.storage.repository import Store, open_store  # noqa: E402

ANSWER = (
    "I would shard the orders table by tenant id using consistent hashing, keep a directory service for "
    "hot tenants, and rebalance with a dual-write window. For reads we cache in Redis with a short TTL. "
) * 6


def session(i: int) -> tuple[dict[str, object], list[dict[str, object]], dict[str, object]]:
    meta = {"track": "system design", "role": "backend engineer", "job_description": "Own billing. " * 40, "n": i}
    turns: list[dict[str, object]] = [
        {
            "question": f"Question {k}: design a rate limiter",
            "transcript": ANSWER,
            "grade": {"score": 4, "covered": ["sharding", "caching"], "missed": ["hot keys"]},
            "delivery_metrics": {"wpm": 150.5, "filler_rate": 0.03, "pause_ratio": 0.12},
            "vision_metrics": {"face_present": 0.98, "gaze_on_screen": 0.84},
        }
        for k in range(5)
    ]
    return meta, turns, {"summary": "Strong structure; practise capacity estimates.", "scores": [4, 4, 3, 5, 4]}


def throughput(store: Store, n: int) -> tuple[float, float]:
    payloads = [session(i) for i in range(n)]
    t0 = time.perf_counter()
    ids = [store.save_session(*p) for p in payloads]
    write = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for sid in ids:
        store.get_session(sid)
    read = n / (time.perf_counter() - t0)
    return write, read


def bench_overhead(n: int, reps: int) -> dict[str, float]:
    results: dict[str, list[tuple[float, float]]] = {"enc": [], "plain": []}
    for _ in range(reps):
        for mode in ("plain", "enc"):  # alternate, so machine-load drift hits both
            with tempfile.TemporaryDirectory() as d:
                settings = Settings(data_dir=Path(d))
                store = open_store(settings, cipher=PlaintextCipher() if mode == "plain" else None)
                results[mode].append(throughput(store, n))
                store.close()
    out = {}
    for mode in ("enc", "plain"):
        out[f"{mode}_write"] = statistics.median(w for w, _ in results[mode])
        out[f"{mode}_read"] = statistics.median(r for _, r in results[mode])
    return out


def bench_purge(n: int) -> tuple[float, float, int]:
    now = [1_800_000_000.0]
    with tempfile.TemporaryDirectory() as d:
        store = open_store(Settings(data_dir=Path(d)), clock=lambda: now[0])
        turn = {"question": "q", "transcript": ANSWER[:400]}
        t0 = time.perf_counter()
        for start in range(0, n, 5000):
            store.save_sessions([({"n": i}, [turn], None) for i in range(start, min(n, start + 5000))])
        seed_s = time.perf_counter() - t0
        db = Path(d) / "greenroom.db"
        size = db.stat().st_size
        now[0] += 31 * 86400
        result = store.purge_expired()
        assert result.sessions == n and store.row_counts()["turns"] == 0
        store.close()
        return result.seconds, seed_s, size


def bench_crash(rounds: int) -> CrashResult:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "data"
        data.mkdir()
        return crash_rounds(data, rounds=rounds, max_delay_s=0.6, seed=2026)


def bench_pii() -> list[tuple[str, str, str]]:
    from pii_cases import CASES, HELDOUT, evaluate, redacted_share

    from greenroom.privacy.pii import Anonymizer, get_detector

    t0 = time.perf_counter()
    detector = get_detector()
    load = time.perf_counter() - t0
    a = Anonymizer(detector)
    a.anonymize("warm up, Priya.")
    t0 = time.perf_counter()
    for text, _, _ in CASES:
        a.anonymize(text)
    per_text = (time.perf_counter() - t0) / len(CASES) * 1000
    rows = [
        ("PII detector load (spaCy + presidio)", f"{load:.1f} s", ""),
        ("PII anonymise per answer", f"{per_text:.1f} ms", ""),
    ]
    for name, cases in (("labelled set", CASES), ("held-out set", HELDOUT)):
        recall, tech, _ = evaluate(detector, cases)
        covered, total = redacted_share(detector, cases)
        worst = min(recall, key=lambda k: recall[k])
        rows += [
            (f"PII {name} ({len(cases)} texts): min recall per type", f"{recall[worst]:.2f} ({worst})", "goal >= 0.9"),
            ("  recall per type", " ".join(f"{k.split('_')[0][:5]}={v:.2f}" for k, v in sorted(recall.items())), ""),
            ("  entities redacted (any type) / technical terms kept", f"{covered}/{total} / {tech:.0%}", ""),
        ]
    return rows


def bench_unlock() -> float:
    with tempfile.TemporaryDirectory() as d:
        s = Settings(data_dir=Path(d), privacy_key_mode="passphrase", privacy_passphrase="correct horse battery")
        open_store(s).close()
        t0 = time.perf_counter()
        open_store(s).close()
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=300, help="sessions per throughput run (5 turns each)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--purge", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()

    rows: list[tuple[str, str, str]] = []
    o = bench_overhead(args.sessions, args.reps)
    w_over = (o["plain_write"] / o["enc_write"] - 1) * 100
    r_over = (o["plain_read"] / o["enc_read"] - 1) * 100
    rows += [
        ("write, encrypted (sessions/s, 5 turns each, 1 commit each)", f"{o['enc_write']:.1f}", ""),
        ("write, no encryption (sessions/s)", f"{o['plain_write']:.1f}", ""),
        ("write overhead of encryption", f"{w_over:+.1f}%", "goal < 15%"),
        ("read, encrypted (sessions/s)", f"{o['enc_read']:.1f}", ""),
        ("read, no encryption (sessions/s)", f"{o['plain_read']:.1f}", ""),
        ("read overhead of encryption", f"{r_over:+.1f}%", "goal < 15%"),
    ]
    print_table(rows, partial=True)
    if args.purge:
        purge_s, seed_s, size = bench_purge(args.purge)
        rows += [
            (f"purge {args.purge} expired sessions (+1 turn each) incl. VACUUM", f"{purge_s:.1f} s", ""),
            ("  (seeding them took / db size)", f"{seed_s:.1f} s / {size / 1e6:.0f} MB", ""),
        ]
    c = bench_crash(args.rounds) if args.rounds else None
    rows += (
        []
        if c is None
        else [
            ("crash test: rounds (SIGKILL at 0-600 ms)", str(c.rounds), ""),
            ("  sessions reported committed / verified intact", f"{c.reported} / {c.verified}", ""),
            (
                "  integrity_check failures / lost or changed sessions",
                f"{c.integrity_failures} / {len(c.missing_or_changed)}",
                "goal 0 / 0",
            ),
            ("  kills before the round's first commit", str(c.killed_before_first_commit), ""),
            ("  wall time", f"{c.seconds:.0f} s", ""),
        ]
    )
    rows += bench_pii()
    rows.append(("open store, passphrase mode (Argon2id m=19 MiB t=2)", f"{bench_unlock() * 1000:.0f} ms", ""))
    print_table(rows)


def print_table(rows: list[tuple[str, str, str]], partial: bool = False) -> None:
    w = max(len(r[0]) for r in rows)
    print(("(partial) " if partial else "") + "Greenroom storage benchmark", flush=True)
    print(f"{'measure':<{w}}  {'value':>18}  note")
    for name, value, note in rows:
        print(f"{name:<{w}}  {value:>18}  {note}")
    print(flush=True)


if __name__ == "__main__":
    main()
