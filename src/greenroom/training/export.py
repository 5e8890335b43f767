"""LoRA adapter -> GGUF LoRA for the llama_cpp back-end, and the check that both runtimes agree.

- `converter_dir(settings_dir=None)`: llama.cpp's source folder holding `convert_lora_to_gguf.py`, from the
  llama-cpp-python 0.3.36 sdist that scripts/install.sh unpacks (never vendored in this repository).
- `export_gguf_lora(adapter_dir, base_config_dir, out_file)`: runs the converter (f32 output). It needs only
  the base model's `config.json`; `save_base_config(model, folder)` writes it for a base loaded from GGUF.
- `export_gguf_base(model_dir, out_file, pre_tokenizer=None)`: a Hugging Face model folder -> a GGUF file (f32)
  with llama.cpp's `convert_hf_to_gguf.py` (the tests' tiny base; a merged fine-tune).
- `greedy_agreement(gguf_base, gguf_lora, model, tokenizer, prompts, max_tokens)`: greedy continuations of
  `prompts` from llama.cpp (base GGUF + GGUF LoRA, `lora_path`; or no adapter) and from transformers (base +
  peft adapter; or none), from the same prompt token ids; per-prompt token ids and the share that match.
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


_CONVERT_BASE = """
import runpy, sys
folder, pre = sys.argv[1], sys.argv[2]
sys.path[:0] = [folder, folder + "/gguf-py"]
if pre:
    from conversion.base import TextModel
    TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
sys.argv = [folder + "/convert_hf_to_gguf.py"] + sys.argv[3:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def export_gguf_base(
    model_dir: Path, out_file: Path, *, pre_tokenizer: str | None = None, llama_cpp_dir: Path | None = None
) -> Path:
    """Convert a Hugging Face model folder to a GGUF file (f32) with llama.cpp's convert_hf_to_gguf.py.

    The converter recognises a BPE tokenizer's pre-tokenizer by hashing how it splits a fixed text, which only
    works for published tokenizers. `pre_tokenizer` names it for one it cannot know (the tests' tiny tokenizer
    splits like GPT-2: "gpt-2"), which is the converter's own documented remedy (update get_vocab_base_pre).
    """
    if not (model_dir / "config.json").exists():
        raise InputError(f"Not a Hugging Face model folder (no config.json): {model_dir}")
    folder = converter_dir(llama_cpp_dir)
    if not (folder / "convert_hf_to_gguf.py").exists():
        raise GreenroomError(f"llama.cpp's convert_hf_to_gguf.py is not at {folder}.", hint="Run scripts/install.sh.")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-c", _CONVERT_BASE, str(folder), pre_tokenizer or "", str(model_dir)]
    cmd += ["--outfile", str(out_file), "--outtype", "f32"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=1800)
    if proc.returncode != 0 or not out_file.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise GreenroomError(f"convert_hf_to_gguf.py failed: {' | '.join(tail)}")
    return out_file


@dataclass(frozen=True)
class Continuation:
    """One prompt's greedy continuation from both runtimes, as token ids (the comparison) and text."""

    prompt: str
    llama_cpp: list[int]
    transformers: list[int]
    llama_cpp_text: str
    transformers_text: str

    @property
    def same(self) -> bool:
        return self.llama_cpp == self.transformers


@dataclass(frozen=True)
class Agreement:
    """Greedy continuations of both runtimes per prompt, and the share that match token for token."""

    pairs: list[Continuation]

    @property
    def share(self) -> float:
        return sum(p.same for p in self.pairs) / len(self.pairs) if self.pairs else 0.0


def _until_eos(tokens: Sequence[int], eos: set[int]) -> list[int]:
    out: list[int] = []
    for t in tokens:
        out.append(int(t))
        if t in eos:
            break
    return out


def greedy_agreement(
    gguf_base: Path,
    gguf_lora: Path | None,
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    max_tokens: int = 12,
    n_threads: int = 2,
) -> Agreement:
    """Greedy continuations from llama.cpp (`gguf_base`, with `lora_path=gguf_lora` unless None) and transformers
    (`model`: a peft model for the adapter, a plain model or a peft model under `disable_adapter()` without).

    Both runtimes get the same prompt token ids (the tokenizer's), so the comparison is of the runtimes alone:
    the generated token ids, up to `max_tokens` or the first end-of-sequence token, must be equal.
    """
    import torch
    from llama_cpp import Llama

    llm = Llama(
        model_path=str(gguf_base),
        lora_path=str(gguf_lora) if gguf_lora is not None else None,
        n_ctx=512,
        seed=0,
        verbose=False,
        n_threads=n_threads,
    )
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    eos = {int(llm.token_eos()), int(tokenizer.eos_token_id)}
    eos |= set(gen_eos if isinstance(gen_eos, list) else [gen_eos] if gen_eos is not None else [])
    model.eval()
    pairs = []
    for p in prompts:
        ids = tokenizer(p, add_special_tokens=False)["input_ids"]
        a: list[int] = []
        for t in llm.generate(ids, top_k=1, temp=0.0, reset=True):
            a.append(int(t))
            if t in eos or len(a) >= max_tokens:
                break
        x = torch.tensor([ids])
        with torch.no_grad():
            gen = model.generate(
                input_ids=x,
                attention_mask=torch.ones_like(x),
                max_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        b = _until_eos(gen[0, len(ids) :].tolist(), eos)
        pairs.append(Continuation(p, a, b, tokenizer.decode(a), tokenizer.decode(b)))
    llm.close()
    return Agreement(pairs)
