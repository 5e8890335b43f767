"""The canary in the live service: a set share of interviews gets the candidate (sticky), both arms are
counted through the real wrappers, and a worse candidate or a monitor alert rolls it back automatically."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.server.canary import CANDIDATE, PRODUCTION, LiveCanary, candidate_settings
from greenroom.serving.monitor import Alert, Monitor
from greenroom.training.registry import Registry

PROD = {
    "technical_accuracy": 0.8,
    "response_quality": 0.7,
    "bias_score": 1.0,
    "privacy_compliance": 1.0,
    "latency": 1.0,
}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def canary_settings(tmp_path: Path, share: float, **params: str) -> Settings:
    settings = Settings(data_dir=tmp_path, training_mlflow=False, canary_min_calls=3, monitor_enabled=False)
    reg = Registry(tmp_path / "training" / "registry.json")
    reg.promote(reg.register("interviewer", "production", evaluation=PROD))
    reg.set_candidate(reg.register("interviewer", "candidate", params=params, evaluation=PROD), share)
    return settings


def test_no_canary_routes_everything_to_production_and_counts_nothing(tmp_path: Path) -> None:
    canary = LiveCanary.from_settings(Settings(data_dir=tmp_path, training_mlflow=False))
    assert not canary.active and canary.arm("any") == PRODUCTION
    marker = object()
    assert canary.wrap_llm(marker, PRODUCTION) is marker and canary.wrap_guard(None, PRODUCTION) is None
    assert not (tmp_path / "training" / "canary.json").exists()
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "registry.json").write_text("{not json")
    assert not LiveCanary.from_settings(Settings(data_dir=tmp_path, training_mlflow=False)).active  # damaged: no canary


def test_a_failing_candidate_is_rolled_back_and_new_interviews_go_to_production(tmp_path: Path) -> None:
    from greenroom.llm.base import user
    from greenroom.llm.factory import create_chat_model

    settings = canary_settings(tmp_path, 0.5, model_path=str(tmp_path / "candidate.gguf"))
    canary = LiveCanary.from_settings(settings)
    ids = [f"iv-{i}" for i in range(200)]
    arms = [canary.arm(i) for i in ids]
    assert 0.35 < arms.count(CANDIDATE) / 200 < 0.65 and arms == [canary.arm(i) for i in ids]  # sticky
    assert candidate_settings(settings, canary.entry or {}).llm_model_path == tmp_path / "candidate.gguf"
    # the candidate arm: a real OpenAI-compatible client whose server is down, so every call fails
    dead = settings.model_copy(
        update={"llm_backend": "openai_compat", "llm_base_url": f"http://127.0.0.1:{closed_port()}"}
    )
    llm = canary.wrap_llm(create_chat_model(dead), CANDIDATE)
    for _ in range(3):
        with pytest.raises(Exception):  # noqa: B017 - whichever error the client raises, it is counted
            llm.complete([user("Hi")], max_tokens=1)
        canary.record(PRODUCTION, latency_s=0.5)  # what the production wrapper records for a good call
    status = json.loads((tmp_path / "training" / "canary.json").read_text())
    assert not canary.active and not status["active"] and "errors rate 100.00%" in status["rolled_back"][0]
    assert status["counters"]["candidate"]["errors"] == 3 and status["counters"]["production"]["calls"] == 3
    reg = Registry(tmp_path / "training" / "registry.json")
    assert reg.status()["candidate"] is None
    assert (
        reg.status()["log"][-1]["event"] == "rollback_canary"
        and "canary: errors rate" in reg.status()["log"][-1]["detail"]["reason"]
    )
    assert canary.arm("a-new-interview") == PRODUCTION and canary.wrap_llm(llm, CANDIDATE) is llm
    with pytest.raises(InputError, match="no model_path or lora_path"):
        candidate_settings(settings, {"id": "x", "params": {}})


def test_a_monitor_alert_rolls_the_canary_back(tmp_path: Path) -> None:
    settings = canary_settings(tmp_path, 1.0, lora_path=str(tmp_path / "adapter.gguf"))
    canary = LiveCanary.from_settings(settings)
    assert canary.active and canary.arm("iv") == CANDIDATE
    monitor = Monitor(settings, None, listeners=[canary.on_alert])
    monitor._fire("error_rate", "5 of 6 model calls failed in 120 s")
    assert isinstance(monitor.alerts[0], Alert) and not canary.active
    assert Registry(tmp_path / "training" / "registry.json").status()["candidate"] is None
    assert "alert fired: error_rate" in json.loads((tmp_path / "training" / "canary.json").read_text())["rolled_back"]


def test_the_registry_is_read_again_at_each_new_interview(tmp_path: Path) -> None:
    settings = canary_settings(tmp_path, 1.0, lora_path=str(tmp_path / "adapter.gguf"))
    reg = Registry(tmp_path / "training" / "registry.json")
    canary = LiveCanary.from_settings(settings)
    first = (canary.entry or {})["id"]
    assert canary.arm("running") == CANDIDATE and canary.generation == 0
    counted = canary.wrap_llm(object(), CANDIDATE)
    reg.set_candidate(first, 0.01)  # the operator lowers the share while the server runs
    new_ids = [f"new-{i}" for i in range(60)]
    assert [canary.arm(i) for i in new_ids].count(CANDIDATE) <= 3 and canary.router.share == 0.01
    assert canary.arm("running") == CANDIDATE and canary.generation == 0  # sticky; the same candidate
    second = reg.register("interviewer", "candidate-2", params={"lora_path": "b.gguf"}, evaluation=PROD)
    reg.set_candidate(second, 1.0)
    assert canary.arm("next") == CANDIDATE and canary.generation == 1 and (canary.entry or {})["id"] == second
    counted._record(error=True)  # a call of the replaced candidate's interview: not counted for the new one
    assert canary.router.arms["candidate"].calls == 0 and canary.active
    reg.set_candidate(None)
    assert canary.arm("after") == PRODUCTION and not canary.active
    assert json.loads((tmp_path / "training" / "canary.json").read_text())["active"] is False


@pytest.mark.slow
def test_the_candidate_runs_where_production_runs_on_the_pool(tmp_path: Path, model_dir: Path) -> None:
    from greenroom.llm.base import user
    from greenroom.server.resources import Resources

    small = model_dir / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    settings = canary_settings(tmp_path, 0.5, model_path=str(small)).model_copy(
        update={
            "models_dir": model_dir,
            "llm_preset": "qwen2.5-coder-0.5b",
            "llm_context_size": 512,
            "serving_engine": "pool",
            "serving_min_workers": 1,
            "serving_max_workers": 1,
        }
    )
    resources = Resources(settings)
    resources.start_engine()
    try:
        ids = [f"iv-{i}" for i in range(40)]
        cand = next(i for i in ids if resources.canary().arm(i) == CANDIDATE)
        prod = next(i for i in ids if resources.canary().arm(i) == PRODUCTION)
        for iv in (cand, prod):
            assert resources.interviewer_llm(iv).complete([user("Say hi.")], max_tokens=2, temperature=0.0)
        engine = resources.candidate_engine  # a pool of its own, in worker processes like production's
        assert engine is not None and engine is not resources.engine and engine.name == "pool"
        assert engine.settings.llm_model_path == small and engine.status()["ready"] == 1
        assert resources.engine.status()["ready"] == 1  # production's pool is untouched
        counters = resources.status()["canary"]["counters"]
        assert counters["candidate"]["calls"] == 1 and counters["production"]["calls"] == 1
        assert counters["candidate"]["interviews"] >= 1 and counters["candidate"]["errors"] == 0
        resources.close_candidate()
        assert resources.candidate_engine is None and engine.status()["workers"] == 0
    finally:
        resources.close_candidate()
        resources.engine.close()
