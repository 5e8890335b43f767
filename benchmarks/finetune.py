"""Fine-tuning benchmark: seconds per LoRA step and peak RAM on the embedded model, and runtime agreement.

Run (each part in its own process, so peak RAM is that part's):
  PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/finetune.py speed --preset qwen2.5-coder-1.5b --steps 3
  PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/finetune.py agree --preset qwen2.5-coder-0.5b --prompts 20

`speed`: loads the preset's GGUF through transformers (dequantised to float32), builds the chat datasets,
and runs `--steps` LoRA steps at the seed's batch size 4 (max 128 tokens), printing s/step and peak RSS.
`agree`: a LoRA adapter (random-initialised B, so it changes the output from step 0, then `--steps` steps),
exported to GGUF with llama.cpp's converter; greedy continuations of `--prompts` prompts from llama.cpp
(`lora_path`) and transformers (peft) are compared exactly, and against llama.cpp without the adapter.
Baseline: none yet (first figures; docs/training.md keeps them).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

PROMPTS = [
    "Question: How does a hash map handle collisions?\nAnswer:",
    "Question: Explain the difference between a process and a thread.\nAnswer:",
    "Question: What is a database index?\nAnswer:",
    "Question: How would you design a URL shortener?\nAnswer:",
    "Question: Tell me about a time you disagreed with a colleague.\nAnswer:",
    "Question: What is eventual consistency?\nAnswer:",
    "Question: How do you debug a memory leak?\nAnswer:",
    "Question: What is a race condition?\nAnswer:",
    "Question: How would you design a rate limiter?\nAnswer:",
    "Question: What does a load balancer do?\nAnswer:",
    "Question: Explain Big-O notation.\nAnswer:",
    "Question: What is the CAP theorem?\nAnswer:",
    "Question: How does TLS protect traffic?\nAnswer:",
    "Question: What is a deadlock?\nAnswer:",
    "Question: How would you review a large pull request?\nAnswer:",
    "Question: What is idempotency in an API?\nAnswer:",
    "Question: How does garbage collection work?\nAnswer:",
    "Question: What is a message queue for?\nAnswer:",
    "Question: How do you prioritise technical debt?\nAnswer:",
    "Question: What is a Bloom filter?\nAnswer:",
]


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    from greenroom.config import get_settings
    from greenroom.interview.bank import QuestionBank
    from greenroom.llm.presets import get_preset
    from greenroom.training.data import build_datasets
    from greenroom.training.lora import LoraArgs, load_base, train_lora

    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["speed", "agree"])
    ap.add_argument("--preset", default="qwen2.5-coder-1.5b")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--tokens", type=int, default=8)
    ns = ap.parse_args()
    gguf = get_preset(ns.preset).path(get_settings().model_dir)
    print(f"load average at start: {os.getloadavg()[0]:.1f}; model {gguf.name}")
    work = Path(tempfile.mkdtemp(prefix="greenroom-finetune-"))
    build_datasets(work / "ds", bank=QuestionBank.load().all()[:30], grading_items=[])
    t = time.perf_counter()
    model, tok = load_base(gguf)
    print(f"load + dequantise: {time.perf_counter() - t:.1f} s, peak RSS {peak_rss_gb():.2f} GB")
    if ns.part == "speed":
        args = LoraArgs(max_steps=ns.steps, max_length=128, logging_steps=1)
        r = train_lora((model, tok), work / "ds", work / "adapter", args, evaluate_before=False)
        print("| model | steps | batch | s/step | peak RSS |\n|---|---|---|---|---|")
        print(f"| {ns.preset} f32 | {r.steps} | 4 | {r.train_seconds / max(1, r.steps):.1f} | {peak_rss_gb():.2f} GB |")
        return
    from llama_cpp import Llama

    from greenroom.training.export import export_gguf_lora, greedy_agreement, save_base_config

    args = LoraArgs(max_steps=ns.steps, max_length=96, batch_size=2, init_random_b=True, logging_steps=1)
    r = train_lora((model, tok), work / "ds", work / "adapter", args, evaluate_before=False)
    lora = export_gguf_lora(work / "adapter", save_base_config(model, work / "cfg"), work / "adapter.gguf")
    prompts = PROMPTS[: ns.prompts]
    agree = greedy_agreement(gguf, lora, r.model, tok, prompts, max_tokens=ns.tokens)
    plain = Llama(model_path=str(gguf), n_ctx=512, seed=0, verbose=False, n_threads=2)
    changed = 0
    for p, with_lora, hf in agree.pairs:
        base_out = str(plain.create_completion(p, max_tokens=ns.tokens, temperature=0.0, top_k=1)["choices"][0]["text"])
        changed += base_out != with_lora
        print(
            f"{'=' if with_lora == hf else '≠'} {p.splitlines()[0][10:50]!r}: llama.cpp {with_lora!r} | transformers {hf!r}"
        )
    print(
        f"agreement (exact greedy, {ns.tokens} tokens): {agree.share:.0%} of {len(prompts)} prompts; "
        f"the adapter changed llama.cpp's output on {changed} of {len(prompts)}"
    )


if __name__ == "__main__":
    main()
