"""Registry, gate and canary: promotion only within measured noise, sticky canary routing, automatic rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.errors import InputError
from greenroom.training.registry import CanaryRouter, Registry, gate, noise_from_retest

PROD = {
    "technical_accuracy": 0.80,
    "response_quality": 0.70,
    "bias_score": 1.0,
    "privacy_compliance": 1.0,
    "latency": 1.0,
}


def test_gate_allows_noise_and_refuses_a_real_regression() -> None:
    noise = noise_from_retest(PROD, {**PROD, "technical_accuracy": 0.77, "latency": 1.2})
    assert noise["technical_accuracy"] == pytest.approx(0.03)
    within = gate({**PROD, "technical_accuracy": 0.78, "latency": 1.1}, PROD, noise)
    assert within.promote, within.reasons
    worse = gate({**PROD, "response_quality": 0.60}, PROD, noise)
    assert not worse.promote and any(r.startswith("response_quality: worse by 0.1") for r in worse.reasons)
    slower = gate({**PROD, "latency": 2.0}, PROD, noise)
    assert not slower.promote  # latency is lower-is-better


def test_registry_promote_refuse_and_rollback(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "registry.json")
    f = tmp_path / "model.gguf"
    f.write_bytes(b"weights")
    a = reg.register("interviewer", "base", [f], evaluation=PROD, noise=dict.fromkeys(PROD, 0.02))
    import hashlib

    assert reg.entry(a)["files"][str(f)] == hashlib.sha256(b"weights").hexdigest()
    assert reg.promote(a).promote and reg.status()["production"] == a
    bad = reg.register("interviewer", "bad", evaluation={**PROD, "bias_score": 0.5})
    decision = reg.promote(bad)
    assert not decision.promote and reg.status()["production"] == a
    good = reg.register("interviewer", "good", evaluation={**PROD, "technical_accuracy": 0.9})
    assert reg.promote(good).promote and reg.status()["production"] == good
    assert reg.rollback() == a
    events = [e["event"] for e in json.loads((tmp_path / "registry.json").read_text())["log"]]
    assert "promote_refused" in events and "rollback" in events
    with pytest.raises(InputError, match="Nothing to roll back"):
        reg.rollback()


def test_canary_is_sticky_shares_traffic_and_rolls_back(tmp_path: Path) -> None:
    router = CanaryRouter(0.2, min_calls=5)
    arms = [router.choose(f"interview-{i}") for i in range(1000)]
    assert arms == [router.choose(f"interview-{i}") for i in range(1000)]  # sticky per interview
    assert 0.15 < arms.count("candidate") / 1000 < 0.25
    assert router.verdict()[0] == "wait"
    for _ in range(10):
        router.record("production", latency_s=1.0)
        router.record("candidate", latency_s=1.1)
        router.checked("production", blocked=False)
        router.checked("candidate", blocked=False)
    assert router.verdict()[0] == "continue"
    for _ in range(3):
        router.checked("candidate", blocked=True)  # the candidate's questions need regenerating
    reg = Registry(tmp_path / "r.json")
    a = reg.register("interviewer", "prod", evaluation=PROD)
    reg.promote(a)
    reg.set_candidate(reg.register("interviewer", "cand", evaluation=PROD), 0.2)
    assert reg.status()["canary_share"] == 0.2
    decision, reasons = router.check(reg)
    assert decision == "rollback" and "regenerations rate" in reasons[0]
    assert reg.status()["candidate"] is None and reg.status()["production"] == a and reg.canary() is None
    slow = CanaryRouter(0.5, min_calls=1)
    slow.record("production", latency_s=1.0)
    slow.record("candidate", latency_s=2.0)
    assert slow.verdict() == ("rollback", ["median latency 2.00 s vs 1.00 s"])
    with pytest.raises(InputError, match="share"):
        reg.set_candidate(a, 0.0)


def test_models_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from greenroom.cli import app
    from greenroom.config import get_settings

    monkeypatch.setenv("GREENROOM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GREENROOM_CONFIG_FILE", str(tmp_path / "none.toml"))
    get_settings.cache_clear()
    try:
        ev = tmp_path / "evaluation.json"
        ev.write_text(json.dumps([{"metrics": {k: {"value": v} for k, v in PROD.items()}}]))
        runner = CliRunner()
        res = runner.invoke(app, ["models", "register", "base", "--evaluation", str(ev), "--retest", str(ev)])
        assert res.exit_code == 0, res.output
        entry = res.output.strip().splitlines()[-1]
        res = runner.invoke(app, ["models", "promote", entry])
        assert res.exit_code == 0 and "promoted" in res.output
        res = runner.invoke(app, ["models", "status", "--json"])
        assert json.loads(res.output)["production"] == entry
        # the same record in MLflow (tracking + registry on SQLite under the data dir): run, version, alias, decision
        from greenroom.training.mlflow_record import MlflowRecord

        record = json.loads((tmp_path / "training" / "registry.json").read_text())["entries"][entry]
        mlflow = MlflowRecord(tmp_path / "training")
        assert mlflow.aliases("greenroom-interviewer") == {"production": record["mlflow"]["version"]}
        run = mlflow.client().get_run(record["mlflow"]["run_id"])
        assert (
            run.data.metrics["technical_accuracy"] == PROD["technical_accuracy"]
            and run.data.tags["greenroom.entry"] == entry
        )
        decisions = list((tmp_path / "training" / "mlruns").rglob("decisions/*-promote.json"))
        assert len(decisions) == 1 and json.loads(decisions[0].read_text())["promote"] is True
        res = runner.invoke(app, ["models", "rollback"])
        assert res.exit_code != 0  # nothing earlier to roll back to: one clear error, logged nowhere as a change
    finally:
        get_settings.cache_clear()
