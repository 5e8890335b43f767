"""The runtime agreement proof, in seconds: a tiny model is converted to a GGUF base with llama.cpp's own
converter, a LoRA adapter is trained on a small fixed text to a low loss and exported to a GGUF LoRA, and
llama.cpp (`lora_path`) and transformers + peft then produce the same greedy tokens from the same prompt
tokens, the continuation being the learned text, which the base without the adapter does not produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.training.lora import LoraArgs, train_lora


@pytest.mark.slow
def test_llama_cpp_with_the_gguf_lora_and_transformers_with_peft_agree(tmp_path: Path) -> None:
    from greenroom.interview.bank import QuestionBank
    from greenroom.training.data import build_datasets, build_examples, load_datasets
    from greenroom.training.export import export_gguf_base, export_gguf_lora, greedy_agreement, save_base_config
    from greenroom.training.tiny import make_tiny_base

    bank = QuestionBank.load().all()[:2]  # the small fixed text: 17 chat examples of two bank questions
    build_datasets(tmp_path / "ds", bank=bank, grading_items=[], val_share=0.0, test_share=0.0)
    examples, _ = build_examples(bank=bank, grading_items=[])
    texts = [m["content"] for e in examples for m in e["messages"]]
    base = make_tiny_base(tmp_path / "base", texts, vocab_size=400, init_std=0.2)
    # The tiny BPE tokenizer splits words like GPT-2 (ByteLevel's default regex); the converter cannot know it.
    gguf_base = export_gguf_base(base, tmp_path / "base.gguf", pre_tokenizer="gpt-2")

    targets = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    args = LoraArgs(max_steps=40, max_length=96, learning_rate=1e-2, dropout=0.0, target_modules=targets)
    result = train_lora(base, tmp_path / "ds", tmp_path / "adapter", args, evaluate_before=False)
    assert result.train_loss < 1.5, result.train_loss  # from log(400) ~ 6.0 at the start: it learned the text
    # The base config is written as for a base loaded from GGUF, whose config names no architecture.
    result.model.get_base_model().config.architectures = None
    gguf_lora = export_gguf_lora(
        tmp_path / "adapter", save_base_config(result.model, tmp_path / "cfg"), tmp_path / "a.gguf"
    )

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tmp_path / "adapter"))  # saved beside the adapter
    train = load_datasets(tmp_path / "ds")["train"]
    prompts = [tok.apply_chat_template(e["messages"][:-1], tokenize=False, add_generation_prompt=True) for e in train]
    replies = [e["messages"][-1]["content"] for e in train]
    prompts = prompts[:6]

    with_adapter = greedy_agreement(gguf_base, gguf_lora, result.model, tok, prompts, max_tokens=8)
    for p in with_adapter.pairs:
        assert p.same, (p.llama_cpp_text, p.transformers_text)

    def is_learned(text: str) -> bool:
        return bool(text.strip()) and any(r.startswith(text) for r in replies)

    learned = sum(is_learned(p.llama_cpp_text) for p in with_adapter.pairs)
    assert learned >= len(prompts) // 2, [p.llama_cpp_text for p in with_adapter.pairs]

    with result.model.disable_adapter():
        without = greedy_agreement(gguf_base, None, result.model, tok, prompts, max_tokens=8)
    changed = sum(a.llama_cpp != b.llama_cpp for a, b in zip(with_adapter.pairs, without.pairs, strict=True))
    assert changed == len(prompts)  # llama.cpp really applied the adapter
    assert not any(is_learned(p.llama_cpp_text) for p in without.pairs)
