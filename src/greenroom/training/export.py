"""LoRA adapter -> GGUF LoRA for the llama_cpp back-end, and the check that both runtimes agree.

- `converter_dir(settings_dir=None)`: llama.cpp's source folder holding `convert_lora_to_gguf.py`, from the
  llama-cpp-python 0.3.36 sdist that scripts/install.sh unpacks (never vendored in this repository).
- `export_gguf_lora(adapter_dir, base_config_dir, out_file)`: runs the converter (f32 output). It needs only
  the base model's `config.json`; `save_base_config(model, folder)` writes it for a base loaded from GGUF.
- `greedy_agreement(gguf_base, gguf_lora, model, tokenizer, prompts, max_tokens)`: greedy continuations of
  `prompts` from llama.cpp (base GGUF + GGUF LoRA, `lora_path`) and from transformers (base + peft adapter);
  returns per-prompt pairs and the share that match exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import GreenroomError, InputError

SDIST_VERSION = "0.3.36"


def converter_dir(configured: Path | None = None) -> Path:
    """The llama.cpp folder with convert_lora_to_gguf.py, or a clear error saying how to get it."""
    default = Path(os.environ.get("GREENROOM_SDIST_CACHE") or Path.home() / ".cache/greenroom/sdist")
    folder = configured or default / f"llama_cpp_python-{SDIST_VERSION}" / "vendor" / "llama.cpp"
    if not (folder / "convert_lora_to_gguf.py").exists():
        raise GreenroomError(
            f"llama.cpp's convert_lora_to_gguf.py is not at {folder}.",
            hint="Run scripts/install.sh (it unpacks the llama-cpp-python 0.3.36 sdist), "
            "or set GREENROOM_TRAINING_LLAMA_CPP_DIR.",
        )
    return folder


def save_base_config(model: Any, folder: Path) -> Path:
    """Write the base model's config.json (all the converter needs from the base).

    A model loaded from GGUF has no `architectures` in its config, and the converter picks its model class from
    that field, so it is filled in from the loaded class (under a peft wrapper, the base model's class).
    """
    folder.mkdir(parents=True, exist_ok=True)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    config = base.config
    if not getattr(config, "architectures", None):
        config.architectures = [type(base).__name__]
    config.to_json_file(str(folder / "config.json"))
    return folder


def export_gguf_lora(
    adapter_dir: Path, base_config_dir: Path, out_file: Path, *, llama_cpp_dir: Path | None = None
) -> Path:
    """Convert a peft adapter folder to a GGUF LoRA file (f32)."""
    if not (adapter_dir / "adapter_config.json").exists():
        raise InputError(f"Not a LoRA adapter folder (no adapter_config.json): {adapter_dir}")
    script = converter_dir(llama_cpp_dir) / "convert_lora_to_gguf.py"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(script), "--base", str(base_config_dir), "--outfile", str(out_file)]
    cmd += ["--outtype", "f32", str(adapter_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(script.parent / "gguf-py")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0 or not out_file.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise GreenroomError(f"convert_lora_to_gguf.py failed: {' | '.join(tail)}")
    return out_file


@dataclass(frozen=True)
class Agreement:
    """Greedy outputs of both runtimes per prompt, and the share that match exactly."""

    pairs: list[tuple[str, str, str]]  # (prompt, llama.cpp, transformers)

    @property
    def share(self) -> float:
        return sum(a == b for _, a, b in self.pairs) / len(self.pairs) if self.pairs else 0.0


def greedy_agreement(
    gguf_base: Path,
    gguf_lora: Path,
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    max_tokens: int = 12,
) -> Agreement:
    """Greedy continuations from llama.cpp (with `lora_path`) and transformers (peft), compared exactly."""
    import torch
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf_base), lora_path=str(gguf_lora), n_ctx=512, seed=0, verbose=False, n_threads=2)
    pairs = []
    model.eval()
    for p in prompts:
        out: Any = llm.create_completion(p, max_tokens=max_tokens, temperature=0.0, top_k=1)
        a = str(out["choices"][0]["text"])
        ids = tokenizer(p, return_tensors="pt")
        with torch.no_grad():
            gen = model.generate(**ids, max_new_tokens=max_tokens, do_sample=False)
        b = tokenizer.decode(gen[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
        pairs.append((p, a, b))
    return Agreement(pairs)
