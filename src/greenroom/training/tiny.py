"""A tiny random Qwen2-architecture model with a tiny BPE tokenizer, built locally (no hub).

`make_tiny_base(out_dir, texts)` trains a byte-level BPE tokenizer on `texts` (the `tokenizers` library,
about a second), gives it a ChatML chat template like Qwen's, and saves it with a randomly initialised
`Qwen2ForCausalLM` of a few hundred thousand parameters. Tests and smoke runs fine-tune it on CPU in
seconds; the code path (`training.lora.train_lora`) is the one the real 1.5B model takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def make_tiny_base(
    out_dir: Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 512,
    hidden: int = 64,
    seed: int = 0,
    init_std: float = 0.02,
) -> Path:
    """Save a tiny tokenizer + random Qwen2 model to `out_dir` and return it.

    `init_std` is the weights' initial standard deviation. At the usual 0.02 a model this narrow cannot make
    its logits peaked (|logit| <= sqrt(hidden) * |embedding row|, about 1.3 here), so no adapter can take its
    loss much below log(vocab) - 1.3; a larger one (0.2) lets a LoRA adapter learn a fixed text to a low loss.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    raw.train_from_iterator(list(texts) + ["system user assistant"], trainer=trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=raw, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None, unk_token=None
    )
    tok.chat_template = CHATML_TEMPLATE
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        initializer_range=init_std,
    )
    model = Qwen2ForCausalLM(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(str(out_dir))
    model.save_pretrained(str(out_dir))
    return out_dir
