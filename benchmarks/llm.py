"""Benchmark the embedded LLM presets: load time, time to first token, decode tok/s and peak RSS.

Each preset runs in its own child process so that its peak RSS is its own. The prompt is ~300 tokens,
like an interviewer turn with context. Usage: python benchmarks/llm.py [PRESET ...]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = (
    "You are interviewing a candidate for a backend engineering role. The job description mentions Python, "
    "PostgreSQL, Kafka, Redis, Kubernetes, observability, on-call duty and designing APIs for a payments "
    "platform that handles ten thousand requests per second with strict latency objectives. The candidate's "
    "résumé lists five years at a fintech start-up, a migration from a monolith to services, and leading an "
    "incident review process. So far you asked about database indexing, and the candidate explained B-tree "
    "indexes, covering indexes and the cost of write amplification, but did not mention how to verify an index "
    "is used, nor partial indexes. You also asked about idempotency in payment APIs; the answer covered "
    "idempotency keys stored with a unique constraint but missed the retention window of keys and how to handle "
    "concurrent duplicate requests. Now ask the next question: a single, clear question about designing a rate "
    "limiter for the public API, suitable for a senior candidate, and nothing else."
)


def child(preset: str) -> dict[str, float | str]:
    from greenroom.config import Settings
    from greenroom.llm.backends.llama_cpp import LlamaCppChatModel
    from greenroom.llm.base import user
    from greenroom.llm.factory import create_chat_model

    model = create_chat_model(Settings(), preset)
    assert isinstance(model, LlamaCppChatModel)
    t0 = time.perf_counter()
    llm = model.load()
    load_s = time.perf_counter() - t0
    n_prompt = len(llm.tokenize(PROMPT.encode()))
    t0 = time.perf_counter()
    first = None
    n = 0
    for _ in model.stream([user(PROMPT)], max_tokens=128, temperature=0.0):
        if first is None:
            first = time.perf_counter() - t0
        n += 1
    total = time.perf_counter() - t0
    # decode rate from llama.cpp's own token count of the completion
    out_tokens = len(
        llm.tokenize(model.complete([user(PROMPT)], max_tokens=128, temperature=0.0).encode(), add_bos=False)
    )
    decode_tps = (out_tokens - 1) / max(total - (first or 0.0), 1e-9) if out_tokens > 1 else 0.0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "preset": preset,
        "prompt_tokens": n_prompt,
        "load_s": round(load_s, 2),
        "ttft_s": round(first or 0.0, 2),
        "decode_tok_s": round(decode_tps, 1),
        "output_tokens": out_tokens,
        "peak_rss_mb": round(rss_mb),
        "threads": model.n_threads,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        return
    presets = sys.argv[1:] or ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
    rows = []
    for p in presets:
        out = subprocess.run([sys.executable, __file__, "--child", p], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cols = ["preset", "prompt_tokens", "load_s", "ttft_s", "decode_tok_s", "output_tokens", "peak_rss_mb", "threads"]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
