"""Settings, defined once: every `GREENROOM_*` environment variable and TOML key lives here.

Sources, highest first: keyword arguments, environment variables (`GREENROOM_` prefix), the TOML file
`config.toml` in the data directory (or `GREENROOM_CONFIG_FILE`), then the defaults below. The CLI and
the server read the same `Settings` object. Each concern has its own section; add new settings to the
section they belong to, with a `description`.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "GREENROOM_"


def default_data_dir() -> Path:
    """XDG data directory: `$GREENROOM_DATA_DIR`, else `$XDG_DATA_HOME/greenroom`, else `~/.local/share/greenroom`."""
    if env := os.environ.get(f"{ENV_PREFIX}DATA_DIR"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "greenroom"


def config_file_path() -> Path:
    """The optional TOML settings file."""
    if env := os.environ.get(f"{ENV_PREFIX}CONFIG_FILE"):
        return Path(env).expanduser()
    return default_data_dir() / "config.toml"


class Settings(BaseSettings):
    """All of Greenroom's settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    # --- general -------------------------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where Greenroom keeps its database, keys and model cache (XDG data dir by default).",
    )
    models_dir: Path | None = Field(
        default=None,
        description="The model cache, where packaged models are assembled (default: <data_dir>/models).",
    )
    log_level: str = Field(default="WARNING", description="Python logging level.")

    # --- LLM -----------------------------------------------------------------------------------
    llm_preset: str = Field(default="qwen2.5-coder-1.5b", description="Model preset (see `greenroom models`).")
    llm_backend: str | None = Field(
        default=None, description="Override the preset's back-end: llama_cpp, openai_compat or transformers."
    )
    llm_model_path: Path | None = Field(
        default=None,
        description="A local GGUF file or Hugging Face checkpoint folder; overrides the preset's file.",
    )
    llm_lora_path: Path | None = Field(
        default=None, description="A GGUF LoRA adapter (`greenroom train lora`) for the llama_cpp back-end."
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server URL (llama.cpp server, Ollama, vLLM)."
    )
    llm_model_name: str | None = Field(default=None, description="Model name to send to the server.")
    llm_api_key: str | None = Field(default=None, description="Optional API key for the server.")
    llm_context_size: int = Field(default=4096, ge=512, description="Context window in tokens.")
    llm_threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads for the interviewer's llama.cpp model (default: all cores but one, at least one, so "
        "the live path's ASR and VAD keep a core; measured in docs/web.md#latency). A serving pool's workers share "
        "the same cores.",
    )
    llm_gpu_layers: int = Field(default=0, description="Layers to offload to a GPU (llama.cpp; -1 for all).")
    llm_max_tokens: int = Field(default=512, ge=1, description="Default cap on generated tokens.")
    llm_temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="Sampling temperature for conversation.")
    llm_seed: int = Field(default=42, description="Sampling seed, for reproducible runs.")
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Timeout for a request to a model server.")

    # --- speech --------------------------------------------------------------------------------
    speech_asr_model: str = Field(
        default="whisper-base",
        description="ASR model: whisper-base (embedded default), whisper-tiny.en (light), or a local CTranslate2 Whisper folder.",
    )
    speech_asr_device: str = Field(default="cpu", description="ASR device: cpu, cuda or auto.")
    speech_asr_compute_type: str | None = Field(
        default=None, description="CTranslate2 compute type (default: int8 on CPU, float16 on CUDA)."
    )
    speech_asr_threads: int = Field(default=2, ge=0, description="CPU threads for ASR (0: CTranslate2's default).")
    speech_asr_background: bool = Field(
        default=True,
        description="Live room: transcribe each stretch of speech on its own thread, so VAD and end-of-turn "
        "detection never wait for ASR (the turn still ends only once its text is in).",
    )
    speech_asr_beam_size: int = Field(default=1, ge=1, description="Beam size for Whisper decoding.")
    speech_asr_language: str | None = Field(
        default=None, description="Force a language code (e.g. en); unset: detect it."
    )
    speech_asr_keep_fillers: bool = Field(
        default=True, description="Use a disfluent initial prompt so that Whisper keeps 'um' and 'uh'."
    )
    speech_max_audio_s: float = Field(default=900.0, gt=0, description="Longest audio clip accepted, in seconds.")
    speech_vad_threshold: float = Field(default=0.5, gt=0, lt=1, description="Silero VAD speech probability threshold.")
    speech_turn_end_silence_s: float = Field(
        default=2.0, gt=0, description="Silence after speech that ends the candidate's turn."
    )
    speech_turn_hold_silence_s: float = Field(
        default=5.0,
        gt=0,
        description="Longer silence needed when the answer sounds unfinished ('let me think', 'and', 'um', ...).",
    )
    speech_turn_thinking_s: float = Field(
        default=30.0, gt=0, description="Thinking time allowed before the answer starts (no turn end before it)."
    )
    speech_turn_model: str = Field(
        default="smart-turn-v3.2",
        description="Semantic end-of-turn model (smart-turn-v3.2, from the pipecat-ai wheel) or none (silence rules only).",
    )
    speech_turn_policy: Literal["both", "model", "rules"] = Field(
        default="both",
        description="End of turn from the model and the text rules together (both), the model alone, or the rules alone.",
    )
    speech_turn_pause_s: float = Field(
        default=0.2, gt=0, le=2.0, description="Pause after speech at which the end-of-turn model is asked."
    )
    speech_turn_complete_threshold: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description="End-of-turn model probability from which the answer counts as finished (below it the model "
        "vetoes the short silence: it is sure the speaker goes on).",
    )
    speech_turn_complete_silence_s: float = Field(
        default=0.6,
        gt=0,
        description="Silence that ends the turn when the model says the answer is finished (short: a candidate who "
        "goes on within speech_barge_in_s takes the turn back).",
    )
    speech_turn_incomplete_silence_s: float = Field(
        default=1.2,
        gt=0,
        description="Silence that still ends the turn when the model says the answer is unfinished (thinking time).",
    )
    speech_barge_in_s: float = Field(
        default=2.5,
        ge=0,
        le=10.0,
        description="Barge-in: for this long after a spoken turn ends, a candidate who goes on takes the turn back "
        "(the interviewer stops speaking and the words join the same answer; 0: off).",
    )
    speech_tts_backend: str = Field(
        default="piper", description="Text-to-speech back-end: piper (embedded), espeak (fallback) or coqui (optional)."
    )
    speech_tts_model_path: Path | None = Field(
        default=None, description="A local Piper .onnx voice, or a Coqui model folder/file for the coqui back-end."
    )
    speech_tts_rate: float = Field(default=1.0, gt=0.3, lt=3.0, description="Speaking speed multiplier for TTS.")
    speech_voice_embedder: str = Field(
        default="prosodic", description="Voice features: prosodic (default) or wav2vec2 (needs a local checkpoint)."
    )
    speech_wav2vec2_path: Path | None = Field(
        default=None, description="Local wav2vec2 checkpoint folder for the wav2vec2 voice embedder."
    )
    # --- vision --------------------------------------------------------------------------------
    vision_face_backend: str = Field(default="mediapipe", description="Face analyser back-end (mediapipe).")
    vision_body_backend: str = Field(default="mediapipe", description="Pose/hands back-end (mediapipe BlazePose).")
    vision_face_count_every_n: int = Field(
        default=3, ge=1, description="Count faces (for 'more than one face') on every n-th frame; 1 for every frame."
    )
    vision_pose_enabled: bool = Field(default=True, description="Measure posture and gestures with BlazePose.")
    vision_pose_every_n: int = Field(default=2, ge=1, description="Run BlazePose on every n-th analysed frame.")
    vision_hands_enabled: bool = Field(
        default=False, description="Also run the hand-landmark model (finer face touching and fidgeting; slower)."
    )
    vision_emotion_enabled: bool = Field(
        default=False,
        description="OPT-IN experimental FER emotion labels. Emotion recognition is banned in workplaces and "
        "education by the EU AI Act, Art. 5(1)(f); the default reports facial behaviour (smile, brows) instead.",
    )
    vision_emotion_backend: str = Field(default="fer", description="Emotion classifier back-end (fer).")
    vision_emotion_every_n: int = Field(default=3, ge=1, description="Classify emotions on every n-th face frame.")
    vision_sample_fps: float = Field(
        default=10.0, gt=0, le=60, description="Frames per second sampled from a video file for analysis."
    )
    vision_stream_max_fps: float = Field(
        default=15.0, gt=0, le=60, description="Live frames arriving faster than this are skipped."
    )
    vision_max_side: int = Field(
        default=1280, ge=160, description="Frames with a longer side than this are downscaled before analysis."
    )
    vision_eye_contact_max_yaw_deg: float = Field(
        default=15.0,
        gt=0,
        description="Eye contact: largest head yaw (degrees) that still counts as facing the camera.",
    )
    vision_eye_contact_max_pitch_deg: float = Field(
        default=20.0, gt=0, description="Eye contact: largest head pitch (degrees) that still counts."
    )
    vision_eye_contact_max_gaze: float = Field(
        default=0.35,
        gt=0,
        description="Eye contact: largest horizontal iris offset between the eye corners (0 centred, 1 at a corner).",
    )
    vision_gaze_max_offset_deg: float = Field(
        default=12.0,
        gt=0,
        description="Eye contact (with a baseline): largest gaze offset (head + eyes, degrees) from the "
        "person's own look at the camera, left/right or up/down.",
    )
    vision_gaze_down_deg: float = Field(
        default=12.0,
        gt=0,
        description="Gaze this many degrees below the baseline counts as looking down (at notes), not away.",
    )
    vision_smile_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Smile intensity (0-1) above which a frame counts as smiling."
    )
    vision_face_min_width: float = Field(
        default=0.12, gt=0, lt=1, description="Framing: a face narrower than this share of the frame is too far."
    )
    vision_face_max_width: float = Field(
        default=0.45, gt=0, le=1, description="Framing: a face wider than this share of the frame is too close."
    )
    vision_off_centre: float = Field(
        default=0.2, gt=0, le=0.5, description="Framing: face centre further than this from the frame centre."
    )
    vision_dark_luma: float = Field(
        default=50.0, ge=0, le=255, description="Framing: mean frame brightness (0-255) below which it is too dark."
    )
    vision_timeline_step_s: float = Field(default=1.0, gt=0, description="Bin width of the vision timelines.")
    # --- privacy and storage ---------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="Database URL (GREENROOM_DATABASE_URL): postgresql://user:pw@host/db for a shared server. "
        "Default: the SQLite file <data_dir>/greenroom.db.",
    )
    storage_retry_s: float = Field(
        default=2.0,
        gt=0,
        le=300,
        description="While the database cannot be written (full disk, server down), a live interview goes on "
        "from memory and retries its save this often, in seconds.",
    )
    privacy_retention_days: float = Field(
        default=30, gt=0, description="Days after which sessions, profiles and recordings are purged."
    )
    privacy_purge_interval_s: float = Field(
        default=3600, gt=0, description="How often the server runs the retention purge while serving."
    )
    privacy_key_mode: Literal["keyfile", "passphrase"] = Field(
        default="keyfile", description="What protects the data key: a 0600 key file or a passphrase (Argon2id)."
    )
    privacy_key_file: Path | None = Field(
        default=None, description="The key-encryption key file (default: <data_dir>/keys/greenroom.key)."
    )
    privacy_passphrase: str | None = Field(
        default=None, description="The passphrase, in passphrase mode (otherwise the CLI asks for it)."
    )
    privacy_keep_recordings: bool = Field(
        default=False, description="Opt in to keeping raw audio/video (encrypted, same retention). Off by default."
    )

    # --- ethics --------------------------------------------------------------------------------
    ethics_guard_min_similarity: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Question guard: least similarity to an improper exemplar to block (default: the tuned value).",
    )
    ethics_guard_margin: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="Question guard: how much closer to an improper than a proper exemplar to block (default: tuned).",
    )
    ethics_guard_stage: Literal["head", "exemplar"] = Field(
        default="head",
        description="Question guard's second stage: the trained classifier head, or the exemplar nearest neighbours.",
    )
    ethics_guard_head: Path | None = Field(
        default=None, description="A guard head JSON from `greenroom train guard` (default: the shipped head)."
    )
    training_llama_cpp_dir: Path | None = Field(
        default=None,
        description="llama.cpp source folder with convert_lora_to_gguf.py (default: the llama-cpp-python 0.3.36 "
        "sdist that scripts/install.sh unpacks under ~/.cache/greenroom/sdist).",
    )
    training_mlflow: bool = Field(
        default=True,
        description="Mirror the model registry (registrations, gate decisions, canary, rollbacks) to MLflow's "
        "tracking and model registry on <data_dir>/training/mlflow.db (SQLite, no server).",
    )
    canary_min_calls: int = Field(
        default=20, ge=1, description="Model calls each arm makes before the canary's counters are compared."
    )
    canary_margin: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Roll the canary back when its error or regeneration rate is this much higher.",
    )
    canary_latency_ratio: float = Field(
        default=1.5,
        gt=1,
        description="Roll the canary back when its median call latency is this many times production's.",
    )
    ethics_regenerate_tries: int = Field(
        default=2, ge=0, le=10, description="Regenerations of a blocked question before falling back to the bank."
    )
    ethics_max_text_chars: int = Field(
        default=4000, ge=100, description="Longest text (characters) the question and feedback guards accept."
    )

    # --- web server (greenroom serve) -----------------------------------------------------------
    server_host: str = Field(
        default="127.0.0.1", description="Address `greenroom serve` binds to (loopback by default)."
    )
    server_port: int = Field(default=8000, ge=0, le=65535, description="Port `greenroom serve` listens on.")
    server_allow_remote: bool = Field(
        default=False,
        description="Allow binding a non-loopback address (the token is then required on every request).",
    )
    server_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra Host header names the server answers to (DNS-rebinding check); loopback names always pass.",
    )
    server_token: str | None = Field(
        default=None, description="Fixed session token (default: a new random token at every start)."
    )
    server_max_upload_mb: float = Field(default=25.0, gt=0, description="Largest upload accepted, in MiB.")
    server_max_text_chars: int = Field(
        default=20000, ge=100, description="Longest pasted job description, résumé or typed answer, in characters."
    )
    server_max_ws_frame_kb: int = Field(
        default=512, ge=16, description="Largest WebSocket message (audio chunk or camera frame), in KiB."
    )
    server_ws_max_messages_per_s: float = Field(
        default=60.0,
        gt=0,
        description="Most WebSocket messages a client may send per second (twice that as a burst); a client "
        "above it gets a `rate_limited` error and the socket is closed (the interview resumes on reconnect).",
    )
    server_max_questions: int = Field(default=10, ge=1, le=50, description="Most questions one interview may have.")
    server_vision_fps: float = Field(
        default=3.0,
        gt=0,
        le=15,
        description="Camera frames analysed per second during an answer (the page sends about 5; the rest are skipped).",
    )
    server_live_behind_s: float = Field(
        default=2.0,
        gt=0,
        description="How far the live path (VAD, ASR) may fall behind real time before background work (grading, "
        "the speculative reply, camera analysis) yields to it and the room says it is catching up.",
    )
    server_acknowledge_s: float = Field(
        default=0.15,
        ge=0,
        description="When a spoken turn ends and the reply is not ready within this many seconds, the interviewer "
        'says a short acknowledgement ("Thank you.", "I see.") at once, and the question follows when ready '
        "(0: never; the room then stays silent until the question).",
    )
    server_preload_models: bool = Field(
        default=True, description="Load the LLM, ASR, TTS and vision models in the background at server start."
    )

    # --- serving many candidates (greenroom serve --engine) ---------------------------------------
    serving_engine: Literal["single", "pool", "ray"] = Field(
        default="pool",
        description="Who runs the models: pool (local worker processes that autoscale between "
        "serving_min_workers and serving_max_workers, the default: 1 to 2), single (one copy in the server "
        "process) or ray (Ray Serve deployments).",
    )
    serving_min_workers: int = Field(default=1, ge=1, le=64, description="Fewest model workers (pool) or replicas.")
    serving_max_workers: int = Field(default=2, ge=1, le=64, description="Most model workers (pool) or replicas.")
    serving_worker_capacity: int = Field(
        default=1, ge=1, le=16, description="Requests one worker runs at once (llama.cpp: 1)."
    )
    serving_scale_threshold: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="Utilisation (requests running or waiting / capacity) above which the pool scales up.",
    )
    serving_upscale_delay_s: float = Field(
        default=2.0, ge=0, description="How long utilisation must stay above the threshold before a worker is added."
    )
    serving_downscale_delay_s: float = Field(
        default=30.0, ge=0, description="How long utilisation must stay low before an idle worker is retired."
    )
    serving_max_queue: int = Field(
        default=64, ge=1, description="Most requests waiting for a worker; beyond it new requests fail (busy)."
    )
    serving_request_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="A worker silent this long on one request is hung: it is replaced and the request retried once.",
    )
    serving_ping_timeout_s: float = Field(
        default=10.0, gt=0, description="An idle worker that does not answer a health ping this fast is hung."
    )
    serving_health_interval_s: float = Field(
        default=0.5, gt=0, description="How often workers are health-checked and the pool resized."
    )
    serving_worker_asr: bool = Field(
        default=False, description="Pool workers also run speech recognition (else ASR stays in the server)."
    )
    serving_ray_address: str = Field(
        default="127.0.0.1:6379", description="Ray cluster address for --engine ray (ray start --head prints it)."
    )
    serving_ray_app: str = Field(default="greenroom", description="Ray Serve application name.")
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics at /metrics (token required).")
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Also serve /metrics without a token on this loopback port (for a local Prometheus).",
    )
    monitor_enabled: bool = Field(
        default=True, description="Watch latency and errors in-process and alert when no Prometheus runs."
    )
    monitor_interval_s: float = Field(default=5.0, gt=0, description="How often the in-process monitor checks.")
    monitor_latency_p95_s: float = Field(
        default=20.0,
        gt=0,
        description="Alert when a stage's p95 latency over the window is above this, times the machine's "
        "load per core when that is above 1 (a loaded machine is slow everywhere, not faulty).",
    )
    monitor_latency_outlier: float = Field(
        default=2.0,
        gt=1,
        description="On a latency alert, replace a worker only when its p95 is this many times the other "
        "workers' (or, alone, its own earlier median): a machine that is slow for all is left alone.",
    )
    monitor_error_rate: float = Field(
        default=0.2, gt=0, le=1, description="Alert when this share of model requests fails over the window."
    )
    monitor_window_s: float = Field(default=120.0, gt=0, description="The in-process monitor's look-back window.")
    monitor_webhook_url: str | None = Field(
        default=None,
        description="Optional URL the monitor POSTs alerts to; its host must be loopback or in allowed_hosts.",
    )

    # --- interview -----------------------------------------------------------------------------
    interview_questions: int = Field(default=5, ge=1, le=30, description="Questions per practice interview.")
    interview_max_follow_ups: int = Field(
        default=2, ge=0, le=2, description="Follow-up questions per main question (chosen by what the answer missed)."
    )
    interview_prephrase: bool = Field(
        default=True,
        description="In the live room, phrase each question's possible follow-ups in the background while it is"
        " asked and answered, so a follow-up comes without waiting for the LLM (off: phrased after the answer).",
    )
    interview_max_answer_chars: int = Field(
        default=4000,
        ge=200,
        description="Longest answer graded (characters); longer answers are truncated with a note.",
    )
    interview_llm_answer_chars: int = Field(
        default=1200,
        ge=200,
        description="How much of the answer the LLM rubric reads (keeps the grading prompt short).",
    )
    interview_rubric: bool = Field(
        default=True, description="Use the short LLM rubric in grading; off: embeddings and checks only (faster)."
    )
    interview_claim_check: bool = Field(
        default=True,
        description="With the rubric on, check each key point a technical or design answer talks about for a false "
        "claim: the answer's statement is scored true/false from the model's token likelihoods (one prompt "
        "evaluation per statement, about 0.5 s each on two cores, nothing generated). Needs a back-end that "
        "exposes logits: the embedded llama.cpp model, in process or behind the pool or Ray (they forward it); "
        "others skip it with a note.",
    )

    # --- federated learning (Flower) ------------------------------------------------------------
    federated_dir: Path | None = Field(
        default=None,
        description="Federation state: certificates, runs, this member's features (default: <data_dir>/federated).",
    )
    federated_port: int = Field(
        default=9092, ge=1, le=65535, description="Port of the federation server's Fleet API (members connect to it)."
    )
    federated_stage_timeout_s: float = Field(
        default=60.0, gt=0, description="How long a federated round waits for a member before going on without it."
    )

    # --- network -------------------------------------------------------------------------------
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Non-loopback hosts the egress guard lets through (e.g. a LAN vLLM server). Empty: none.",
    )
    egress_guard: bool = Field(default=True, description="Refuse non-loopback connections in every process.")

    @property
    def llm_thread_count(self) -> int:
        """The CPU threads the in-process LLM gets: `llm_threads`, else all cores but one (at least one).
        Measured (`benchmarks/turn_end.py --llm-threads-check`): with the LLM generating while the candidate
        speaks, one thread fewer cut the end-of-turn p95 from 3.1 s to 2.4 s for 11% fewer tokens a second."""
        return self.llm_threads or max(1, (os.cpu_count() or 1) - 1)

    @property
    def model_dir(self) -> Path:
        """The model cache, where packaged models are assembled."""
        return self.models_dir or self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, config_file_path()))

    def public_dict(self) -> dict[str, Any]:
        """Settings as plain data, with secrets masked, for `greenroom config show`."""
        data = self.model_dump(mode="json")
        for key in data:
            secret = "api_key" in key or "passphrase" in key or key.endswith("_token") or key == "token"
            if secret and data[key]:
                data[key] = "***"
        if data.get("database_url"):  # may carry a password
            data["database_url"] = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", data["database_url"])
        return data

    def egress_allowed_hosts(self) -> list[str]:
        """Hosts the egress guard lets through: the configured list plus the configured model server."""
        hosts = list(self.allowed_hosts)
        if self.llm_base_url and (host := urlsplit(self.llm_base_url).hostname):
            hosts.append(host)
        return hosts


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
