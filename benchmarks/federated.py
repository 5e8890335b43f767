"""Benchmark of federated training with Flower's simulation engine: the guard head, 10-50 non-IID clients.

Run: PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/federated.py [--clients 10 30] [--rounds 5]
For each client count and each strategy (FedAvg, FedProx mu=0.1, FedAvg + client-side DP) it runs the
same ServerApp code as a real federation (`server_app.run_federation`) in `flwr.simulation.run_simulation`
and prints the held-out loss per round (the guard's blind sets), the bytes each client sends per round
(serialised Flower messages, measured by the ClientApp's audit code), and the seconds per round. The
clients' data are the guard's training questions dealt by a Dirichlet(alpha) over labels (non-IID).
Baseline: round 0 (the untrained head) and a head trained centrally on the pooled data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
os.environ.setdefault("RAY_raylet_start_wait_time_s", "180")  # Ray's node start times out on a busy machine
os.environ.setdefault("RAY_DEDUP_LOGS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def dirichlet_split(y: np.ndarray, n_clients: int, alpha: float, seed: int) -> list[np.ndarray]:
    """Indices per client: each label's examples shared out by Dirichlet(alpha) proportions (non-IID)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(n_clients)]
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        cuts = (np.cumsum(rng.dirichlet([alpha] * n_clients)) * len(idx)).astype(int)[:-1]
        for c, chunk in enumerate(np.split(idx, cuts)):
            parts[c] += chunk.tolist()
    for c in range(n_clients):  # every client gets at least two examples
        while len(parts[c]) < 2:
            parts[c].append(int(rng.integers(len(y))))
    return [np.asarray(p) for p in parts]


def training_pairs() -> list[tuple[str, str]]:
    try:
        from greenroom.training.guard_train import guard_training_items

        return guard_training_items(bank_questions=[])
    except ImportError:  # before the training package: the same sources, read directly
        from greenroom.ethics.datasets import load_exemplars, load_labelled

        bank = load_exemplars()
        pairs = [(s, c) for c, ss in bank.improper.items() for s in ss] + [(s, "proper") for s in bank.proper]
        return pairs + [(it.text, it.label if it.improper else "proper") for it in load_labelled()]


def run_one(
    name: str, plan_kwargs: dict[str, Any], x: np.ndarray, y: np.ndarray, parts: list[np.ndarray], work: Path
) -> dict[str, Any]:
    from flwr.client import ClientApp
    from flwr.common import Context
    from flwr.server import Grid, ServerApp
    from flwr.simulation import run_simulation

    from greenroom.federated.audit import summarise
    from greenroom.federated.base import LocalData
    from greenroom.federated.client_app import GreenroomClient, privacy_mod, task_from_run_config
    from greenroom.federated.plan import FederationPlan
    from greenroom.federated.server_app import run_federation

    out = work / name.replace(" ", "_").replace("+", "p")
    plan = FederationPlan(out_dir=str(out), register=False, stage_timeout_s=120.0, wait_clients_s=60.0, **plan_kwargs)
    bytes_log = out / "bytes.tsv"  # written by the client actors (other processes), read here
    out.mkdir(parents=True, exist_ok=True)

    def client_fn(context: Context) -> Any:
        task = task_from_run_config(plan.to_run_config())
        pid = int(context.node_config["partition-id"])
        idx = parts[pid]
        return GreenroomClient(task, LocalData(x[idx], y[idx])).to_client()

    def measure_mod(msg: Any, ctxt: Any, call_next: Any) -> Any:
        reply = call_next(msg, ctxt)
        entry = summarise(reply)
        with bytes_log.open("a") as fh:
            fh.write(f"{entry['group']}\t{int(ctxt.node_config['partition-id'])}\t{int(entry['bytes'])}\n")
        return reply

    server = ServerApp()
    result: dict[str, Any] = {}

    @server.main()
    def _main(grid: Grid, context: Context) -> None:
        result.update(run_federation(grid, context, plan))

    t0 = time.perf_counter()
    run_simulation(
        server_app=server,
        client_app=ClientApp(client_fn=client_fn, mods=[measure_mod, privacy_mod]),
        num_supernodes=len(parts),
        backend_config={
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {"num_cpus": 2, "include_dashboard": False, "log_to_driver": False},
        },
    )
    wall = time.perf_counter() - t0
    if not result:
        result = json.loads((out / "result.json").read_text())
    if not result.get("fit_metrics"):  # no client ever answered: the simulation engine failed, not the strategy
        raise RuntimeError(f"{name}: no client results (Flower's simulation engine failed; see the log above)")
    sent: dict[tuple[str, str], int] = defaultdict(int)
    for line in bytes_log.read_text().splitlines() if bytes_log.exists() else []:
        group, pid, size = line.split("\t")
        sent[(group, pid)] += int(size)
    per_round = [v for (group, _), v in sent.items() if group not in ("", "0")]
    result["bytes_per_client_round"] = statistics.mean(per_round) if per_round else 0
    result["wall_s"] = wall
    return result


def central_baseline(x: np.ndarray, y: np.ndarray, xh: np.ndarray, yh: np.ndarray, task: Any, epochs: int) -> float:
    from greenroom.federated.base import LocalData

    res = task.fit(task.initial_arrays(), LocalData(x, y), epochs=epochs, lr=3.0, proximal_mu=0.0)
    return float(task.evaluate(res.arrays, LocalData(xh, yh))[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[10, 50])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--alpha", type=float, default=0.3, help="Dirichlet concentration (lower: less IID)")
    ap.add_argument("--local-epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from greenroom.embeddings import get_embedder
    from greenroom.federated.base import LocalData
    from greenroom.federated.guard_task import GuardHeadTask, heldout_examples

    console = Console(width=160)
    console.print(
        f"load average at start: {os.getloadavg()[0]:.1f} (2 shared cores; times are slower on a busy machine)"
    )
    task = GuardHeadTask()
    emb = get_embedder()
    pairs = training_pairs()
    held = heldout_examples()
    x = np.asarray(emb.encode([t for t, _ in pairs]), dtype=np.float32)
    y = task.labels([lab for _, lab in pairs])
    xh = np.asarray(emb.encode([t for t, _ in held]), dtype=np.float32)
    yh = task.labels([lab for _, lab in held])
    base_loss = float(task.evaluate(task.initial_arrays(), LocalData(xh, yh))[0])
    central = central_baseline(x, y, xh, yh, task, args.local_epochs * args.rounds)
    console.print(
        f"{len(pairs)} training questions, {len(held)} held-out (blind sets), {len(task.classes)} classes; "
        f"held-out loss untrained {base_loss:.4f}, trained centrally ({args.local_epochs * args.rounds} steps) {central:.4f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        np.savez(work / "heldout.npz", x=xh, labels=np.asarray([lab for _, lab in held]), digest=np.asarray(""))
        summary = Table(title="Per strategy: bytes each client sends per round, and time per round")
        for col in ("clients", "strategy", "final held-out loss", "bytes/client/round", "s/round", "wall s"):
            summary.add_column(col)
        for n in args.clients:
            parts = dirichlet_split(y, n, args.alpha, args.seed)
            common = {
                "classes": ",".join(task.classes),
                "rounds": args.rounds,
                "min_clients": n,
                "secagg": "off",
                "local_epochs": args.local_epochs,
                "heldout": str(work / "heldout.npz"),
            }
            variants = {
                "FedAvg": {},
                "FedProx mu=0.1": {"proximal_mu": 0.1},
                "FedAvg+DP": {"dp": True, "dp_noise_multiplier": 0.3, "dp_clipping_norm": 1.0},
            }
            curves = Table(title=f"{n} clients (Dirichlet alpha={args.alpha}): held-out loss per round")
            curves.add_column("round")
            results = {}
            for name, extra in variants.items():
                results[name] = run_one(f"{n}-{name}", {**common, **extra}, x, y, parts, work)
                curves.add_column(name)
                r = results[name]
                summary.add_row(
                    str(n),
                    r["strategy"] + (" mu=0.1" if "mu" in name else ""),
                    f"{r['heldout_loss'][-1]['loss']:.4f}",
                    f"{r['bytes_per_client_round']:.0f}",
                    f"{r['seconds'] / args.rounds:.2f}",
                    f"{r['wall_s']:.1f}",
                )
            for i in range(args.rounds + 1):
                curves.add_row(str(i), *[f"{results[k]['heldout_loss'][i]['loss']:.4f}" for k in variants])
            console.print(curves)
            dp = results["FedAvg+DP"]["privacy"]
            console.print(f"DP parameters: {json.dumps(dp)}")
        console.print(summary)


if __name__ == "__main__":
    main()
