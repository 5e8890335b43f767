"""Fine-tuning benchmark: seconds per LoRA step and peak RAM on the embedded model, and runtime agreement.

Run (each part in its own process, so peak RAM is that part's):
  PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/finetune.py speed --preset qwen2.5-coder-1.5b --steps 3
  PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/finetune.py agree --preset qwen2.5-coder-0.5b --prompts 20

`speed`: loads the preset's GGUF through transformers (dequantised to float32), builds the chat datasets,
and runs `--steps` LoRA steps at the seed's batch size 4 (max 128 tokens), printing s/step and peak RSS.
`agree`: a LoRA adapter trained `--steps` steps (a few dozen) at `--lr` on real interview data (the whole
question bank and the labelled grading set, chat format), exported to GGUF with llama.cpp's converter.
Greedy continuations of `--prompts` held-out chat prompts (test and validation splits) from llama.cpp (the
q4_k_m GGUF, `lora_path`) and transformers (the same GGUF dequantised to f32, peft) are compared token for
token from the same prompt tokens, with the adapter and without it side by side: without it, the agreement
is the floor set by numeric precision alone (q4_k_m/q8 kernels against f32), which the adapter should keep.
Baseline (docs/training.md): a random-B adapter at loss ~12 agreed on 7/20 (`agree`, 0.5B).
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
    from greenroom.ethics.reliability import load_grading_set
    from greenroom.interview.bank import QuestionBank
    from greenroom.llm.presets import get_preset
    from greenroom.training.data import build_datasets, load_datasets
    from greenroom.training.lora import LoraArgs, load_base, train_lora

    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["speed", "agree"])
    ap.add_argument("--preset", default="qwen2.5-coder-1.5b")
    ap.add_argument("--steps", type=int, default=3, help="optimiser steps (speed: 3; agree: a few dozen)")
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--tokens", type=int, default=12)
    ap.add_argument("--lr", type=float, default=3e-4, help="agree: the LoRA learning rate")
    ns = ap.parse_args()
    gguf = get_preset(ns.preset).path(get_settings().model_dir)
    print(f"load average at start: {os.getloadavg()[0]:.1f}; model {gguf.name}")
    work = Path(tempfile.mkdtemp(prefix="greenroom-finetune-"))
    if ns.part == "speed":
        build_datasets(work / "ds", bank=QuestionBank.load().all()[:30], grading_items=[])
    else:
        bank, items = QuestionBank.load().all(), load_grading_set()
        card = build_datasets(work / "full", bank=bank, grading_items=items, val_share=0.05, test_share=0.05)
        print(f"data: {card.counts} by task {card.by_task}")
    t = time.perf_counter()
    model, tok = load_base(gguf)
    print(f"load + dequantise: {time.perf_counter() - t:.1f} s, peak RSS {peak_rss_gb():.2f} GB")
    if ns.part == "speed":
        args = LoraArgs(max_steps=ns.steps, max_length=128, logging_steps=1)
        r = train_lora((model, tok), work / "ds", work / "adapter", args, evaluate_before=False)
        print("| model | steps | batch | s/step | peak RSS |\n|---|---|---|---|---|")
        print(f"| {ns.preset} f32 | {r.steps} | 4 | {r.train_seconds / max(1, r.steps):.1f} | {peak_rss_gb():.2f} GB |")
        return
    from greenroom.training.export import export_gguf_lora, greedy_agreement, save_base_config

    # Real interview data (the whole bank and the labelled grading set), a LoRA learning rate that converges in a
    # few dozen steps (the seed's 5e-5 is for thousands), the usual zero-initialised B: the adapter starts as
    # the identity and what it changes is what it learned.
    args = LoraArgs(max_steps=ns.steps, max_length=96, learning_rate=ns.lr, logging_steps=5)
    r = train_lora((model, tok), work / "full", work / "adapter", args)
    print(
        f"LoRA: {r.steps} steps at lr {ns.lr:g} (warmup {r.warmup_steps}), {r.train_seconds:.0f} s; train loss "
        f"{r.train_loss:.3f}; validation loss {r.eval_loss_before:.3f} -> {r.eval_loss:.3f}"
    )
    lora = export_gguf_lora(work / "adapter", save_base_config(model, work / "cfg"), work / "adapter.gguf")
    ds = load_datasets(work / "full")
    held_out = [e for split in ("test", "validation") for e in ds.get(split, []) if e["task"] != "rubric"]
    prompts = [
        tok.apply_chat_template(e["messages"][:-1], tokenize=False, add_generation_prompt=True) for e in held_out
    ]
    prompts = prompts[: ns.prompts]
    with_adapter = greedy_agreement(gguf, lora, r.model, tok, prompts, max_tokens=ns.tokens)
    with r.model.disable_adapter():
        without = greedy_agreement(gguf, None, r.model, tok, prompts, max_tokens=ns.tokens)
    changed_ll = sum(a.llama_cpp != b.llama_cpp for a, b in zip(with_adapter.pairs, without.pairs, strict=True))
    changed_tf = sum(a.transformers != b.transformers for a, b in zip(with_adapter.pairs, without.pairs, strict=True))
    for a, b in zip(with_adapter.pairs, without.pairs, strict=True):
        print(
            f"adapter {'=' if a.same else '≠'} llama.cpp {a.llama_cpp_text!r} | transformers {a.transformers_text!r}\n"
            f"   base {'=' if b.same else '≠'} llama.cpp {b.llama_cpp_text!r} | transformers {b.transformers_text!r}"
        )
    n = len(prompts)
    print(f"\n| greedy, {ns.tokens} tokens, {n} held-out prompts | without adapter (precision floor) | with adapter |")
    print("|---|---|---|")
    print(
        f"| llama.cpp ({gguf.name}) = transformers (f32, dequantised) | "
        f"{sum(p.same for p in without.pairs)}/{n} | {sum(p.same for p in with_adapter.pairs)}/{n} |"
    )
    print(f"the adapter changed llama.cpp's output on {changed_ll}/{n} prompts, transformers' on {changed_tf}/{n}")
    print(f"peak RSS {peak_rss_gb():.2f} GB; load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
