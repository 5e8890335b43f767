"""LoRA fine-tuning of the interviewer model: transformers `Trainer` + `peft`, on `training.data` datasets.

Public API (stable; the federated package builds on it):

- `LoraArgs`: the hyper-parameters. Defaults are the seed's `TrainingArguments` (3 epochs, batch 4,
  warmup 500 steps, learning rate 5e-5) plus LoRA r=8, alpha=16, dropout 0.05 on the attention projections.
- `warmup_steps_for(total_steps, warmup_steps)`: the seed's 500 warmup steps, capped at 10% of the steps
  (on our small data 500 warmup steps would be longer than the whole run; the learning rate would never
  reach its peak).
- `load_base(path)` -> `(model, tokenizer)`: a Hugging Face folder, or a GGUF file, which transformers
  dequantises (`from_pretrained(folder, gguf_file=name)`), so the embedded Qwen2.5-Coder is its own base.
- `train_lora(base, data_dir, out_dir, args=LoraArgs())` -> `LoraResult`: trains, evaluates on the
  validation split, saves the adapter (`adapter_model.safetensors` + `adapter_config.json`) to `out_dir`.
- `prepare_examples(dataset, tokenizer, max_length)`: chat examples -> token ids with the loss only on the
  assistant's reply.

Departures from the seed are listed in docs/training.md.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import InputError

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class LoraArgs:
    """Fine-tuning hyper-parameters (seed defaults for the first four)."""

    epochs: float = 3.0
    batch_size: int = 4
    warmup_steps: int = 500
    learning_rate: float = 5e-5
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    max_length: int = 384
    max_steps: int = -1  # > 0 stops after that many optimiser steps (benchmarks, smoke runs)
    seed: int = 0
    logging_steps: int = 10
    threads: int | None = None  # torch CPU threads (1 is fastest on a busy small machine); None leaves torch's choice
    init_random_b: bool = False  # peft init_lora_weights=False: a non-identity adapter from step 0 (runtime checks)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d


@dataclass(frozen=True)
class LoraResult:
    """What one fine-tune produced."""

    adapter_dir: Path
    steps: int
    warmup_steps: int
    train_loss: float
    eval_loss: float | None
    eval_loss_before: float | None
    seconds: float
    train_seconds: float  # the optimiser steps alone (Trainer's train_runtime)
    args: dict[str, Any]
    model: Any = None  # the trained peft model, in memory (for an agreement check); not serialised

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "model"}
        d["adapter_dir"] = str(self.adapter_dir)
        return d


def warmup_steps_for(total_steps: int, warmup_steps: int = 500) -> int:
    """The seed's warmup, capped at 10% of `total_steps`."""
    return max(0, min(warmup_steps, int(0.1 * total_steps)))


def load_base(path: Path, *, dtype: str = "float32") -> tuple[Any, Any]:
    """The base model and tokenizer from a HF folder or a GGUF file (dequantised by transformers)."""
    if not path.exists():
        raise InputError(f"Base model not found: {path}")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = getattr(torch, dtype)
    if path.is_file():
        if path.suffix != ".gguf":
            raise InputError(f"A base model file must be GGUF: {path}")
        kw: dict[str, Any] = {"gguf_file": path.name}
        folder = str(path.parent)
    else:
        kw, folder = {}, str(path)
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True, **kw)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch_dtype, **kw)
    if path.is_file():
        # transformers dequantises GGUF weights into ordinary float tensors but still marks the model as
        # GGUF-"quantized", which its Trainer refuses; the weights are plain float32, so drop the marker.
        model.hf_quantizer = None  # type: ignore[assignment]
        if hasattr(model, "is_quantized") and not isinstance(type(model).__dict__.get("is_quantized"), property):
            model.is_quantized = False  # type: ignore[assignment]
        if getattr(model.config, "quantization_config", None) is not None:
            del model.config.quantization_config
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model, tok


def prepare_examples(dataset: Any, tokenizer: Any, max_length: int) -> Any:
    """Token ids, attention mask and labels (-100 outside the assistant's reply) for each chat example."""

    def encode(ex: dict[str, Any]) -> dict[str, Any]:
        msgs = ex["messages"]
        prompt = tokenizer.apply_chat_template(msgs[:-1], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(msgs, tokenize=False)
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        ids = tokenizer(full, add_special_tokens=False)["input_ids"][:max_length]
        n = min(len(p_ids), len(ids))
        labels = [-100] * n + ids[n:]
        return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}

    cols = dataset.column_names
    return dataset.map(encode, remove_columns=cols).filter(lambda ex: any(x != -100 for x in ex["labels"]))


def train_lora(
    base: Path | tuple[Any, Any],
    data_dir: Path,
    out_dir: Path,
    args: LoraArgs | None = None,
    *,
    evaluate_before: bool = True,
) -> LoraResult:
    """Fine-tune a LoRA adapter on `data_dir` (a `build_datasets` folder) and save it to `out_dir`.

    `base` is a path (`load_base`) or an already loaded `(model, tokenizer)` pair.
    """
    import math

    from greenroom.training.data import load_datasets

    a = args or LoraArgs()
    t0 = time.perf_counter()
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)
    ds = load_datasets(data_dir)  # the cheap checks first: a bad dataset fails before the base model loads
    if "train" not in ds or len(ds["train"]) == 0:
        raise InputError(f"The dataset at {data_dir} has no training examples.")
    model, tok = load_base(base) if isinstance(base, Path) else base
    from peft import LoraConfig, get_peft_model
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    train = prepare_examples(ds["train"], tok, a.max_length)
    val = prepare_examples(ds["validation"], tok, a.max_length) if "validation" in ds else None
    steps_per_epoch = math.ceil(len(train) / a.batch_size)
    total = a.max_steps if a.max_steps > 0 else math.ceil(steps_per_epoch * a.epochs)
    warmup = warmup_steps_for(total, a.warmup_steps)
    peft_model = get_peft_model(
        model,
        LoraConfig(
            r=a.r,
            lora_alpha=a.alpha,
            lora_dropout=a.dropout,
            target_modules=list(a.target_modules),
            task_type="CAUSAL_LM",
            init_lora_weights=not a.init_random_b,
        ),
    )
    targs = TrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=a.epochs,
        max_steps=a.max_steps,
        per_device_train_batch_size=a.batch_size,
        per_device_eval_batch_size=a.batch_size,
        warmup_steps=warmup,
        learning_rate=a.learning_rate,
        logging_steps=a.logging_steps,
        save_strategy="no",
        report_to=[],
        seed=a.seed,
        use_cpu=not _cuda(),
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=peft_model,
        args=targs,
        train_dataset=train,
        eval_dataset=val,
        data_collator=DataCollatorForSeq2Seq(tok, padding=True, label_pad_token_id=-100),
    )
    before = float(trainer.evaluate()["eval_loss"]) if (val is not None and len(val) and evaluate_before) else None
    out = trainer.train()
    after = float(trainer.evaluate()["eval_loss"]) if (val is not None and len(val)) else None
    out_dir.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(out_dir))
    tok.save_pretrained(str(out_dir))
    return LoraResult(
        adapter_dir=out_dir,
        steps=int(out.global_step),
        warmup_steps=warmup,
        train_loss=float(out.training_loss),
        eval_loss=after,
        eval_loss_before=before,
        seconds=time.perf_counter() - t0,
        train_seconds=float(out.metrics.get("train_runtime", 0.0)),
        args=a.to_dict(),
        model=peft_model,
    )


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())
