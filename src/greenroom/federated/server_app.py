"""Greenroom's Flower ServerApp: FedAvg or FedProx, optional client-side DP and SecAgg+, then a candidate.

The SuperLink (`greenroom federated server`) starts this app for each run. It reads the
`FederationPlan` from the run config, builds the strategy (`strategies.build_strategy`), and runs Flower's
`DefaultWorkflow` — with `SecAggPlusWorkflow` as the fit step when SecAgg+ is on (`DropoutTolerantSecAggPlus`
works around a flwr 1.23 drop-out bug). Each round waits at most
`stage-timeout-s` for a client, so a client that drops out mid-round is left out and the round goes on.
After every round the global model is evaluated on the server's held-out features. At the end it writes
`result.json` (losses per round, clients, privacy parameters) and saves the aggregate as a *candidate*
(`candidates.register_candidate`): never as the production model.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from flwr.common import Context
from flwr.server import Grid, LegacyContext, ServerApp, ServerConfig
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.server.workflow.constant import MAIN_PARAMS_RECORD

from greenroom.federated.plan import FederationPlan
from greenroom.federated.strategies import build_strategy, heldout_data, task_for_plan

app = ServerApp()


class PatientGrid:
    """A Flower `Grid` whose `send_and_receive` waits at most `timeout` seconds (Flower's default waits forever)."""

    def __init__(self, grid: Grid, timeout: float) -> None:
        self._grid = grid
        self._timeout = timeout

    def send_and_receive(self, messages: Any, *, timeout: float | None = None) -> Any:
        return self._grid.send_and_receive(messages, timeout=timeout if timeout is not None else self._timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._grid, name)


class DropoutTolerantSecAggPlus(SecAggPlusWorkflow):  # type: ignore[misc]
    """Flower's `SecAggPlusWorkflow`, forgetting clients that dropped before they shared their keys.

    In flwr 1.23 a client that answers the setup stage and then drops out before the share-keys stage
    ends stays in the workflow's sampled set, so the unmask stage asks the survivors for key shares of it
    that they never received; they fail (`KeyError` in `secaggplus_mod._unmask`) and the round is lost
    (our integration test hit it). Such a client added no pairwise mask to anyone's vector (clients mask
    only with peers whose shares they received), so it can be dropped from the protocol state outright.
    """

    def share_keys_stage(self, grid: Grid, context: Any, state: Any) -> bool:
        ok = bool(super().share_keys_stage(grid, context, state))
        shared = set(state.active_node_ids)
        state.sampled_node_ids = set(shared)
        for nid in list(state.nid_to_neighbours):
            state.nid_to_neighbours[nid] = state.nid_to_neighbours[nid] & (shared | {nid})
        return ok


def wait_for_clients(grid: Grid, n: int, timeout: float) -> int:
    """Wait until `n` SuperNodes are connected (or `timeout`); returns how many are."""
    deadline = time.monotonic() + timeout
    while True:
        count = len(list(grid.get_node_ids()))
        if count >= n or time.monotonic() >= deadline:
            return count
        time.sleep(0.5)


def run_federation(grid: Grid, context: Context, plan: FederationPlan) -> dict[str, Any]:
    """Run the plan's rounds on `grid`; returns the result record (also written to `out-dir/result.json`)."""
    task = task_for_plan(plan)
    heldout = heldout_data(plan, task)
    losses: list[dict[str, float]] = []
    initial = [np.array(a, copy=True) for a in task.initial_arrays()]
    strategy = build_strategy(plan, task, heldout, losses)
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=plan.rounds), strategy=strategy)
    fit_workflow = None
    if plan.use_secagg:
        shares, threshold = plan.secagg_shares
        fit_workflow = DropoutTolerantSecAggPlus(
            num_shares=shares, reconstruction_threshold=threshold, clipping_range=16.0, timeout=plan.stage_timeout_s
        )
    joined = wait_for_clients(grid, plan.min_clients, plan.wait_clients_s)
    if joined < plan.quorum:
        raise RuntimeError(f"Only {joined} of {plan.min_clients} clients joined in {plan.wait_clients_s:.0f} s.")
    t0 = time.perf_counter()
    DefaultWorkflow(fit_workflow=fit_workflow)(PatientGrid(grid, plan.stage_timeout_s), legacy)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    arrays = legacy.state.array_records[MAIN_PARAMS_RECORD].to_numpy_ndarrays()
    fit_metrics = {str(k): [list(p) for p in v] for k, v in legacy.history.metrics_distributed_fit.items()}
    result: dict[str, Any] = {
        "task": plan.task,
        "strategy": plan.strategy_name,
        "rounds": plan.rounds,
        "min_clients": plan.min_clients,
        "clients_joined": joined,
        "heldout_loss": losses,
        "fit_metrics": fit_metrics,
        "privacy": plan.privacy_report(),
        "seconds": round(seconds, 2),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    result["updated"] = any(not np.array_equal(a, b) for a, b in zip(arrays, initial, strict=True))
    if plan.out_dir:
        out = Path(plan.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        meta = {"source": "federated", **{k: v for k, v in result.items() if k != "fit_metrics"}}
        result["candidate"] = None
        if result["updated"]:  # a run in which no round aggregated anything yields no candidate
            result["candidate"] = str(task.save_candidate(arrays, out / "candidate", meta))
        if plan.register and result["candidate"]:
            from greenroom.federated.candidates import register_candidate

            result["registry"] = register_candidate(Path(result["candidate"]), plan, result)
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Entry point the SuperLink calls for each run."""
    from greenroom.privacy import netguard

    netguard.install(())  # the ServerApp talks to its SuperLink on loopback only
    run_federation(grid, context, FederationPlan.from_run_config(dict(context.run_config)))
