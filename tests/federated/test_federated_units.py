"""Federated pieces one at a time: the plan, the guard-head task (FedAvg/FedProx steps), local data, certs, app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from greenroom.errors import InputError, UnknownNameError
from greenroom.federated.base import LocalData, create_task
from greenroom.federated.deploy import parse_server_url, write_app
from greenroom.federated.guard_task import DIM, GuardHeadTask, heldout_examples
from greenroom.federated.local_data import consented_examples, load_features, prepare, write_examples
from greenroom.federated.plan import FederationPlan


def _data(task: GuardHeadTask, n: int = 60, seed: int = 0) -> LocalData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = rng.normal(size=(3, DIM))
    x = centres[y] + 0.3 * rng.normal(size=(n, DIM))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return LocalData(x.astype(np.float32), y.astype(np.int64))


def test_plan_round_trips_through_flower_run_config() -> None:
    plan = FederationPlan(rounds=4, min_clients=3, proximal_mu=0.1, dp=True, classes="proper,age")
    back = FederationPlan.from_run_config(plan.to_run_config())
    assert back == plan
    assert plan.strategy_name == "FedProx+DP+SecAgg+"
    assert plan.quorum == 2
    assert plan.privacy_report()["dp_noise_stdev_per_round"] == pytest.approx(0.3 * 1.0 / 3, abs=1e-6)
    assert FederationPlan(min_clients=2).use_secagg is False
    with pytest.raises(InputError):
        FederationPlan(secagg="on", min_clients=2)
    with pytest.raises(InputError):
        FederationPlan(lr=0)


def test_guard_head_training_lowers_loss_and_fedprox_stays_near_the_global_model() -> None:
    task = GuardHeadTask(classes=("proper", "age", "religion"))
    data = _data(task)
    start = task.initial_arrays()
    assert [a.shape for a in start] == [(3, DIM), (3,)] and all(a.dtype == np.float32 for a in start)
    loss0, _ = task.evaluate(start, data)
    avg = task.fit(start, data, epochs=30, lr=1.0, proximal_mu=0.0)
    prox = task.fit(start, data, epochs=30, lr=1.0, proximal_mu=5.0)
    loss_avg, metrics = task.evaluate(avg.arrays, data)
    assert loss_avg < loss0 and metrics["accuracy"] > 0.9
    assert avg.num_examples == len(data)
    assert np.linalg.norm(prox.arrays[0] - start[0]) < np.linalg.norm(avg.arrays[0] - start[0])
    with pytest.raises(InputError):
        task.fit([start[0]], data, epochs=1, lr=1.0, proximal_mu=0.0)
    with pytest.raises(InputError):
        task.labels(["proper", "astrology"])


def test_the_servers_held_out_set_is_every_blind_set() -> None:
    from greenroom.ethics.datasets import load_blind_sets

    sets = load_blind_sets()
    held = heldout_examples()
    assert "blind4" in sets and len(held) == sum(len(items) for items in sets.values())
    assert {it.text for it in sets["blind4"]} <= {t for t, _ in held}


def test_task_registry_lists_valid_names() -> None:
    assert create_task("guard-head", classes=("proper", "age")).name == "guard-head"
    with pytest.raises(UnknownNameError, match="guard-head"):
        create_task("nope")


def test_only_consented_examples_are_used_and_features_carry_no_text(tmp_path: Path, embedder: object) -> None:
    path = write_examples(tmp_path / "ex.jsonl", [("How old are you?", "age")])
    with path.open("a") as fh:
        fh.write(json.dumps({"text": "Tell me about Raft.", "label": "proper", "consent": False}) + "\n")
        fh.write(json.dumps({"text": "Describe a hard bug you fixed.", "label": "proper", "consent": True}) + "\n")
    examples = consented_examples(path)
    assert [e.text for e in examples] == ["How old are you?", "Describe a hard bug you fixed."]
    feats_path = prepare(examples, embedder, tmp_path / "node", anonymise=False)
    raw = feats_path.read_bytes()
    assert b"How old" not in raw and b"hard bug" not in raw
    feats = load_features(tmp_path / "node")
    assert feats.x.shape == (2, DIM) and feats.label_names == ("age", "proper")
    (tmp_path / "bad.jsonl").write_text("not json\n")
    with pytest.raises(InputError, match="bad.jsonl:1"):
        consented_examples(tmp_path / "bad.jsonl")


def test_examples_are_anonymised_before_embedding(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from greenroom.federated import local_data

    seen: list[str] = []

    class Recorder:
        def encode(self, texts: list[str]) -> np.ndarray:
            seen.extend(texts)
            return np.zeros((len(texts), DIM), dtype=np.float32)

    monkeypatch.setattr(local_data, "anonymise_all", lambda texts: [t.replace("Alice", "<PERSON_1>") for t in texts])
    prepare([local_data.Example("Alice, how old are you?", "age")], Recorder(), tmp_path)
    assert seen == ["<PERSON_1>, how old are you?"]


def test_server_url_and_flower_app_config(tmp_path: Path) -> None:
    assert parse_server_url("fl.example.org") == ("fl.example.org", 9092)
    assert parse_server_url("grpcs://10.0.0.5:9100") == ("10.0.0.5", 9100)
    with pytest.raises(InputError):
        parse_server_url("ftp://x")
    import tomli
    from flwr.common.config import validate_config

    path = write_app(tmp_path / "app", FederationPlan(), "127.0.0.1:9093", tmp_path / "ca.crt")
    config = tomli.loads(path.read_text())
    ok, errors, _ = validate_config(config, check_module=True, project_dir=tmp_path / "app")
    assert ok, errors
    assert config["tool"]["flwr"]["federations"]["greenroom"]["root-certificates"].endswith("ca.crt")


def test_certificates_make_a_ca_and_a_server_cert_for_the_host(tmp_path: Path) -> None:
    from cryptography import x509

    from greenroom.federated.certs import make_certificates

    paths = make_certificates(tmp_path, ["fl.example.org", "192.0.2.7"])
    ca = x509.load_pem_x509_certificate(paths.ca.read_bytes())
    cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "fl.example.org" in san.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} >= {"192.0.2.7", "127.0.0.1"}
    assert oct(paths.key.stat().st_mode & 0o777) == "0o600"


def test_join_opens_the_egress_guard_to_the_server_host_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import os
    import sys

    from greenroom.federated import service
    from greenroom.privacy import netguard

    node = tmp_path / "node"
    node.mkdir()
    np.savez(node / "features.npz", x=np.zeros((1, DIM), np.float32), labels=np.asarray(["proper"]), digest="")
    seen: dict[str, object] = {}

    def fake_supernode() -> None:
        seen["argv"] = list(sys.argv)
        seen["server"] = netguard._is_allowed(("192.0.2.7", 9092))
        seen["other"] = netguard._is_allowed(("192.0.2.8", 443))

    fs = importlib.import_module(
        "flwr.supernode.cli.flower_supernode"
    )  # the module (the package re-exports the function)
    monkeypatch.setattr(fs, "flower_supernode", fake_supernode)
    monkeypatch.setattr(sys, "argv", ["greenroom"])
    monkeypatch.setattr(os, "environ", dict(os.environ))  # run_join sets Flower's variables
    try:
        with pytest.raises(InputError, match="CA certificate"):
            service.run_join(node, "192.0.2.7", 9092, ca=None, examples=None)
        (tmp_path / "ca.crt").write_text("not checked here")
        service.run_join(node, "192.0.2.7", 9092, ca=tmp_path / "ca.crt", examples=None)
    finally:
        netguard.uninstall()
    assert seen["server"] is True and seen["other"] is False
    argv = seen["argv"]
    assert isinstance(argv, list) and argv[argv.index("--superlink") + 1] == "192.0.2.7:9092"
    assert "--insecure" not in argv and argv[argv.index("--root-certificates") + 1] == str(tmp_path / "ca.crt")
    with pytest.raises(InputError, match="loopback|this machine"):
        service.run_join(node, "192.0.2.7", 9092, ca=None, examples=None, insecure=True)


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = "from greenroom.cli import main; main()"
        return subprocess.run([sys.executable, "-c", code, "federated", *args], capture_output=True, text=True)

    bad = run("join", "ftp://x", "--yes")
    assert bad.returncode != 0 and bad.stderr.startswith("error: Not a federation server address")
    no_ca = run("join", "192.0.2.7:9092", "--yes")
    assert no_ca.returncode != 0 and "CA certificate" in no_ca.stderr
