"""The interviewer's LoRA adapter as a federated task (transformers `Trainer` + `peft`, as `train lora`).

The parameters are the adapter's tensors (`get_peft_model_state_dict`, in key order) as float32 arrays; the
base model never moves. A client's data is a `training.data.build_datasets` folder built from its own
opted-in sessions only. Local training runs the `Trainer` for `max_steps` steps per round from the global
adapter; FedProx adds `mu/2 * ||lora - lora_global||^2` to the loss. Evaluation is the loss on the folder's
validation split (the server's held-out folder for the global model). The candidate is a saved adapter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import InputError
from greenroom.federated.base import Arrays, FitResult
from greenroom.training.lora import LoraArgs

NAME = "interviewer-lora"


class InterviewerLoraTask:
    """`FederatedTask` for the interviewer's LoRA adapter on a base model every member has locally."""

    name = NAME

    def __init__(self, base: Path, args: LoraArgs | None = None, *, local_steps: int = 4) -> None:
        self.base = Path(base)
        self.args = args or LoraArgs(max_steps=local_steps, warmup_steps=0, learning_rate=5e-4, batch_size=4)
        self._model: Any = None
        self._tok: Any = None
        self._keys: list[str] = []

    # --- the model, loaded once per process ------------------------------------------------------
    def _peft(self) -> Any:
        if self._model is None:
            import torch
            from peft import LoraConfig, get_peft_model, get_peft_model_state_dict

            from greenroom.training.lora import load_base

            base, self._tok = load_base(self.base)
            torch.manual_seed(self.args.seed)  # every member builds the same initial adapter
            a = self.args
            cfg = LoraConfig(
                r=a.r,
                lora_alpha=a.alpha,
                lora_dropout=a.dropout,
                target_modules=list(a.target_modules),
                task_type="CAUSAL_LM",
            )
            self._model = get_peft_model(base, cfg)
            self._keys = sorted(get_peft_model_state_dict(self._model))
        return self._model

    def _get(self) -> Arrays:
        from peft import get_peft_model_state_dict

        state = get_peft_model_state_dict(self._peft())
        return [state[k].detach().cpu().float().numpy().copy() for k in self._keys]

    def _set(self, arrays: Arrays) -> None:
        import torch
        from peft import set_peft_model_state_dict

        model = self._peft()
        if len(arrays) != len(self._keys):
            raise InputError(f"A LoRA adapter here has {len(self._keys)} arrays, not {len(arrays)}.")
        set_peft_model_state_dict(
            model, {k: torch.tensor(np.asarray(a)) for k, a in zip(self._keys, arrays, strict=True)}
        )

    def initial_arrays(self) -> Arrays:
        return self._get()

    # --- training and evaluation ------------------------------------------------------------------
    def _trainer(self, data_dir: Path, split: str, proximal_mu: float, lr: float | None) -> tuple[Any, int]:
        import torch
        from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

        from greenroom.training.data import load_datasets
        from greenroom.training.lora import prepare_examples

        model = self._peft()
        ds = load_datasets(data_dir)
        if split not in ds or len(ds[split]) == 0:
            raise InputError(f"The dataset at {data_dir} has no {split} examples.")
        examples = prepare_examples(ds[split], self._tok, self.args.max_length)
        anchor = [p.detach().clone() for n, p in model.named_parameters() if p.requires_grad]

        class ProxTrainer(Trainer):  # type: ignore[misc]
            def compute_loss(self, model: Any, inputs: Any, return_outputs: bool = False, **kw: Any) -> Any:  # type: ignore[override]
                out: Any = super().compute_loss(model, inputs, return_outputs=return_outputs, **kw)
                if proximal_mu <= 0:
                    return out
                loss: Any = out[0] if return_outputs else out
                live = [p for p in model.parameters() if p.requires_grad]
                prox = sum(torch.sum((p - a) ** 2) for p, a in zip(live, anchor, strict=True))
                loss = loss + 0.5 * proximal_mu * prox
                return (loss, out[1]) if return_outputs else loss

        a = self.args
        targs = TrainingArguments(
            output_dir=str(data_dir / ".fl-checkpoints"),
            max_steps=max(1, a.max_steps),
            per_device_train_batch_size=a.batch_size,
            per_device_eval_batch_size=a.batch_size,
            learning_rate=lr if lr is not None else a.learning_rate,
            warmup_steps=0,
            save_strategy="no",
            report_to=[],
            seed=a.seed,
            use_cpu=True,
            disable_tqdm=True,
            dataloader_num_workers=0,
            logging_steps=max(1, a.max_steps),
        )
        collator = DataCollatorForSeq2Seq(self._tok, padding=True, label_pad_token_id=-100)
        trainer = ProxTrainer(
            model=model, args=targs, train_dataset=examples, eval_dataset=examples, data_collator=collator
        )
        return trainer, len(examples)

    def fit(self, arrays: Arrays, data: Any, *, epochs: int, lr: float, proximal_mu: float) -> FitResult:
        self._set(arrays)
        trainer, n = self._trainer(Path(data), "train", proximal_mu, None)
        out = trainer.train()
        return FitResult(self._get(), n, {"train_loss": float(out.training_loss)})

    def evaluate(self, arrays: Arrays, data: Any) -> tuple[float, dict[str, float]]:
        self._set(arrays)
        trainer, n = self._trainer(Path(data), "validation", 0.0, None)
        metrics = trainer.evaluate()
        if "eval_loss" not in metrics:
            raise InputError(f"No evaluation loss on {data}: {metrics}")
        loss = float(metrics["eval_loss"])
        return loss, {"examples": float(n)}

    def save_candidate(self, arrays: Arrays, out_dir: Path, meta: dict[str, Any]) -> Path:
        """Save the aggregate as a peft adapter folder (what `train lora` writes) plus `federated.json`."""
        self._set(arrays)
        out_dir.mkdir(parents=True, exist_ok=True)
        self._peft().save_pretrained(str(out_dir))
        (out_dir / "federated.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
        return out_dir / "adapter_model.safetensors"
