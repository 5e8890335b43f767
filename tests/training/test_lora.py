"""LoRA fine-tuning on CPU in seconds: a tiny random Qwen2 model built locally (no hub) takes the same code
path as the embedded 1.5B model (`greenroom train lora` -> `train_lora`), and its validation loss falls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenroom.training.lora import LoraArgs, train_lora, warmup_steps_for


def test_warmup_is_the_seeds_500_capped_at_a_tenth_of_the_steps() -> None:
    assert warmup_steps_for(10_000) == 500
    assert warmup_steps_for(300) == 30
    assert warmup_steps_for(5) == 0
    assert LoraArgs().epochs == 3 and LoraArgs().batch_size == 4 and LoraArgs().learning_rate == 5e-5


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from greenroom.interview.bank import QuestionBank
    from greenroom.training.data import build_datasets

    root = tmp_path_factory.mktemp("lora-data")
    build_datasets(root / "ds", bank=QuestionBank.load().all()[:12], grading_items=[], val_share=0.2, test_share=0.0)
    return root / "ds"


@pytest.fixture(scope="module")
def tiny(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from greenroom.interview.bank import QuestionBank
    from greenroom.training.data import build_examples
    from greenroom.training.tiny import make_tiny_base

    examples, _ = build_examples(bank=QuestionBank.load().all()[:12], grading_items=[])
    texts = [m["content"] for e in examples for m in e["messages"]]
    return make_tiny_base(tmp_path_factory.mktemp("lora") / "base", texts, vocab_size=400), tiny_data


@pytest.mark.slow
def test_train_lora_cli_on_the_tiny_model_learns_and_saves_an_adapter(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    import json

    from peft import PeftModel
    from transformers import AutoModelForCausalLM
    from typer.testing import CliRunner

    from greenroom.cli import app

    base, ds = tiny
    out = tmp_path / "adapter"
    res = CliRunner().invoke(
        app,
        ["train", "lora", "--base", str(base), "--data", str(ds), "--output", str(out), "--no-export", "--json"]
        + ["--max-steps", "12", "--max-length", "96", "--learning-rate", "3e-3"],
    )
    assert res.exit_code == 0, res.output
    result: Any = json.loads(res.output[res.output.index("{\n") :])  # after the Trainer's own log lines
    assert result["steps"] == 12 and result["warmup_steps"] == 1  # the seed's 500 warmup steps, capped at 10%
    assert result["args"]["batch_size"] == 4 and result["base"] == str(base)
    assert result["eval_loss"] is not None and result["eval_loss_before"] is not None
    assert result["eval_loss"] < result["eval_loss_before"] - 0.05  # it learned something that generalises
    assert json.loads((out / "training.json").read_text())["steps"] == 12
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)), str(out))
    assert any("lora_A" in n for n, _ in reloaded.named_parameters())
    # Its export to a GGUF LoRA and the runtime agreement: test_runtime_agreement.py.


def test_missing_base_and_empty_data_are_clear_errors(tiny_data: Path, tmp_path: Path) -> None:
    from greenroom.errors import InputError

    with pytest.raises(InputError, match="not found"):
        train_lora(tmp_path / "nope.gguf", tiny_data, tmp_path / "a")
    with pytest.raises(InputError, match="training dataset"):
        train_lora(tmp_path / "nope.gguf", tmp_path, tmp_path / "a")  # the data is checked before any model loads
