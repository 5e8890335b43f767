"""A real federation on 127.0.0.1: a SuperLink (`FederationServer`) and 3 SuperNodes (`greenroom federated join`).

TLS with a fresh self-signed CA, SecAgg+ (3 clients), the tiny guard-head model, distinct non-IID data per
client. Checked: the global held-out loss falls; a client killed in the middle of round 2 (after its
SecAgg+ setup reply) does not stop the federation; every message the clients sent (recorded by the
ClientApp's audit mod as serialised bytes) carries only numbers: no training text, no embedding.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from greenroom.federated.audit import read_audit
from greenroom.federated.certs import make_certificates
from greenroom.federated.deploy import FederationServer, Ports, stop_process
from greenroom.federated.guard_task import GuardHeadTask, heldout_examples
from greenroom.federated.local_data import Example, load_features, prepare, write_examples
from greenroom.federated.plan import FederationPlan
from greenroom.federated.service import prepare_node

SRC = Path(__file__).resolve().parents[2] / "src"
pytestmark = pytest.mark.slow


def _wait(pred: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_supernodes_train_the_guard_head_over_tls(
    tmp_path: Path, embedder: Any, splits: list[list[tuple[str, str]]]
) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    env["GREENROOM_DATA_DIR"] = str(tmp_path / "data")
    env["GREENROOM_LOG_LEVEL"] = "WARNING"
    certs = make_certificates(tmp_path / "certs", ["127.0.0.1"])
    task = GuardHeadTask(classes=None)
    heldout = prepare(
        [Example(t, lab) for t, lab in heldout_examples()], embedder, tmp_path / "heldout", anonymise=False
    )
    nodes = []
    for i, split in enumerate(splits):
        node = tmp_path / f"client{i}" / "node"  # what `join` uses: <GREENROOM_FEDERATED_DIR>/node
        prepare_node(node, write_examples(node / "examples.jsonl", split), embedder, anonymise=False)
        nodes.append(node)
    plan = FederationPlan(
        classes=",".join(task.classes),
        rounds=2,
        min_clients=3,
        local_epochs=25,
        lr=2.0,
        stage_timeout_s=30.0,  # the killed client costs one stage timeout; a live one answers in 1-12 s (busy machine)
        wait_clients_s=60.0,
        heldout=str(heldout),
        out_dir=str(tmp_path / "run"),
    )
    assert plan.use_secagg
    server = FederationServer(tmp_path / "server", plan, certs=certs, ports=Ports.free())
    server.env.update({k: env[k] for k in ("PYTHONPATH", "GREENROOM_DATA_DIR", "GREENROOM_LOG_LEVEL")})
    clients: list[subprocess.Popen[Any]] = []
    result: dict[str, Any] = {}
    try:
        server.start(timeout=30)
        for node in nodes:
            cmd = [sys.executable, "-c", "from greenroom.cli import main; main()", "federated", "join"]
            cmd += [f"127.0.0.1:{server.ports.fleet}", "--ca", str(certs.ca), "--audit-dir", str(node / "audit")]
            cmd += ["--audit-raw", "--yes"]
            node_env = dict(env, GREENROOM_FEDERATED_DIR=str(node.parent))
            log = (node / "join.log").open("wb")
            clients.append(
                subprocess.Popen(cmd, env=node_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            )
        runner = threading.Thread(target=lambda: result.update(server.run(timeout=150)), daemon=True)
        runner.start()
        victim = nodes[2] / "audit"

        def round2_started() -> bool:  # the victim answered round 2's SecAgg+ setup (the usual case), or a
            # survivor is already past it (a machine so busy that the SuperLink dropped the victim by itself)
            if any(e["group"] == "2" for e in read_audit(victim)):
                return True
            return sum(e["group"] == "2" for e in read_audit(nodes[0] / "audit")) >= 2

        _wait(round2_started, 150, "round 2 to start")
        os.killpg(clients[2].pid, signal.SIGKILL)
        killed_after = len(read_audit(victim))
        runner.join(timeout=150)
        assert not runner.is_alive(), "the federation did not finish after a client was killed"
    finally:
        for c in clients:
            stop_process(c, timeout=5)
        server.stop()

    losses = [row["loss"] for row in result["heldout_loss"]]
    assert [row["round"] for row in result["heldout_loss"]] == [0, 1, 2]
    assert losses[1] < losses[0] - 0.1, losses
    assert losses[2] < losses[1], f"round 2, where a client was killed, did not update the model: {losses}"
    assert result["privacy"]["secagg_plus"] is True
    assert Path(result["candidate"]).exists() and result["registry"]["stage"] == "candidate"
    from greenroom.training.registry import Registry

    registry = Registry(tmp_path / "data" / "training" / "registry.json")  # the ServerApp's GREENROOM_DATA_DIR
    entry = registry.entry(result["registry"]["id"])
    assert entry["kind"] == "guard_head" and entry["params"]["source"] == "federated"
    assert registry.status()["production"] is None and registry.status()["candidate"] is None  # not promoted
    assert len(read_audit(victim)) == killed_after  # the killed client sent nothing more

    # What crossed the wire: numbers only.
    for node, split in zip(nodes, splits, strict=True):
        entries = read_audit(node / "audit")
        assert entries, f"{node.name} sent nothing"
        feats = load_features(node)
        texts = [t.encode() for t, _ in split if len(t) >= 12]
        for entry in entries:
            assert all(a["dtype"].startswith(("float", "int", "uint")) for a in entry["arrays"]), entry["arrays"]
            for s in entry["strings"]:
                assert len(s["value"]) < 40 and s["value"] not in {t for t, _ in split}, s
            raw = (node / "audit" / f"{entry['n']}.bin").read_bytes()
            assert not any(t in raw for t in texts)
            assert feats.x[0].tobytes() not in raw and feats.x[-1].tobytes() not in raw
        assert np.isfinite([e["bytes"] for e in entries]).all()
