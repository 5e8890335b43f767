"""/metrics behind the token, the alert rules under promtool, and a real Prometheus scraping the app."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.serving.conftest import free_port, wait_for

from greenroom.config import Settings
from greenroom.server.app import create_app
from greenroom.server.security import Auth
from greenroom.serving import metrics

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
TOKEN = "metrics-token-0123456789"
needs_prometheus = pytest.mark.skipif(shutil.which("promtool") is None, reason="Debian's prometheus is not installed")


def _settings(tmp_path: Path, model_dir: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", models_dir=model_dir, server_preload_models=False, **extra)


def test_metrics_need_the_token_and_hold_no_personal_labels(tmp_path: Path, model_dir: Path) -> None:
    app = create_app(_settings(tmp_path, model_dir), auth=Auth(token=TOKEN))
    metrics.observe("asr", 0.4)
    metrics.error("llm_total")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/metrics").status_code == 401
        r = c.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    text = r.text
    for name in (
        'greenroom_stage_latency_seconds_bucket{le="0.5",stage="asr"}',
        'greenroom_errors_total{kind="llm_total"}',
        "greenroom_queue_depth",
        "greenroom_workers 1.0",
        'greenroom_guard_actions_total{action="regenerated"}',
        'greenroom_degraded{code="small_model"}',
    ):
        assert name in text, name
    labels = {
        part.split("=")[0]
        for line in text.splitlines()
        if "{" in line and not line.startswith("#")
        for part in line[line.index("{") + 1 : line.index("}")].split(",")
    }
    assert labels <= {"stage", "kind", "le", "reason", "code", "action", "rule"}


@needs_prometheus
def test_alert_rules_pass_promtool() -> None:
    check = subprocess.run(["promtool", "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "4 rules found" in check.stdout
    test = subprocess.run(["promtool", "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr


def _query(port: int, q: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (loopback)
        body = json.loads(r.read())
    assert body["status"] == "success"
    return list(body["data"]["result"])


@needs_prometheus
def test_a_real_prometheus_scrapes_the_app(tmp_path: Path, model_dir: Path) -> None:
    mport, pport = free_port(), free_port()
    app = create_app(_settings(tmp_path, model_dir, metrics_port=mport), auth=Auth(token=TOKEN))
    metrics.observe("llm_first_token", 0.7)
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 200ms, evaluation_interval: 200ms}\n"
        f"rule_files: ['{RULES / 'alerts.yml'}']\n"
        "scrape_configs:\n"
        f"  - job_name: greenroom\n    static_configs: [{{targets: ['127.0.0.1:{mport}']}}]\n"
    )
    with TestClient(app, base_url="http://127.0.0.1:8000"):
        proc = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{pport}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def scraped() -> bool:
                try:
                    return bool(_query(pport, 'greenroom_stage_latency_seconds_count{stage="llm_first_token"}'))
                except OSError:
                    return False

            wait_for(scraped, 30, "Prometheus to scrape the app")
            up = _query(pport, 'up{job="greenroom"}')
            assert up[0]["value"][1] == "1"
            assert _query(pport, "greenroom_workers")[0]["value"][1] == "1"
            with urllib.request.urlopen(f"http://127.0.0.1:{pport}/api/v1/rules", timeout=5) as r:  # noqa: S310
                groups = json.loads(r.read())["data"]["groups"]
            assert {rule["name"] for g in groups for rule in g["rules"]} >= {
                "GreenroomQueueFull",
                "GreenroomWorkerDead",
            }
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_grafana_dashboard_uses_only_metrics_we_export() -> None:
    import re

    dash = json.loads((RULES.parent / "grafana" / "greenroom-serving.json").read_text())
    metrics.observe("asr", 0.1)
    metrics.error("asr")
    metrics.set_degraded([], ["no_llm"])
    metrics.WORKER_RESTARTS.labels(reason="died")
    used = {m for p in dash["panels"] for t in p["targets"] for m in re.findall(r"greenroom_[a-z_]+", t["expr"])}
    exported = metrics.exposition().decode()
    for name in used:
        assert re.search(rf"^(# TYPE )?{name}", exported, re.M), name
