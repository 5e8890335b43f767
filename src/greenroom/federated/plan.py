"""One federation's plan: strategy, rounds, privacy; the run config Flower carries from `flwr run` to the apps.

`FederationPlan` is built by the CLI (`greenroom federated server`) and read back by the ServerApp and
ClientApp from Flower's run config (flat `key = value` pairs with dashed names), so both sides agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from greenroom.errors import InputError

SecAggMode = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class FederationPlan:
    """What a federation trains and how it aggregates."""

    task: str = "guard-head"  # or interviewer-lora
    lora_base: str = ""  # interviewer-lora: the base model (HF folder or GGUF) on the server; members set their own
    lora_steps: int = 4  # interviewer-lora: optimiser steps per round on each member
    classes: str = ""  # comma-separated class names (guard head); empty: the task's default
    init: str = "zeros"  # zeros | production
    rounds: int = 3
    min_clients: int = 2
    local_epochs: int = 20
    lr: float = 3.0  # stable for unit-norm MiniLM features (the loss is 0.5-smooth, so lr < 4)
    proximal_mu: float = 0.0  # > 0: FedProx
    dp: bool = False
    dp_noise_multiplier: float = 0.3
    dp_clipping_norm: float = 1.0
    secagg: SecAggMode = "auto"  # auto: SecAgg+ when min_clients >= 3
    stage_timeout_s: float = 60.0  # how long a round waits for a client before going on without it
    wait_clients_s: float = 600.0  # how long the run waits for `min_clients` to join
    heldout: str = ""  # server-side held-out data: features (.npz, guard head) or a dataset folder (LoRA)
    out_dir: str = ""  # where the ServerApp writes result.json and the candidate
    register: bool = True

    def __post_init__(self) -> None:
        if self.rounds < 1 or self.min_clients < 1 or self.local_epochs < 1:
            raise InputError("rounds, min-clients and local-epochs must be at least 1.")
        if self.lr <= 0 or self.proximal_mu < 0:
            raise InputError("lr must be positive and proximal-mu non-negative.")
        if self.dp and (self.dp_noise_multiplier < 0 or self.dp_clipping_norm <= 0):
            raise InputError("DP needs a non-negative noise multiplier and a positive clipping norm.")
        if self.secagg not in ("auto", "on", "off"):
            raise InputError(f"secagg must be auto, on or off, not {self.secagg!r}.")
        if self.secagg == "on" and self.min_clients < 3:
            raise InputError("SecAgg+ needs at least 3 clients (--min-clients 3).")

    @property
    def strategy_name(self) -> str:
        name = "FedProx" if self.proximal_mu > 0 else "FedAvg"
        return name + ("+DP" if self.dp else "") + ("+SecAgg+" if self.use_secagg else "")

    @property
    def use_secagg(self) -> bool:
        return self.secagg == "on" or (self.secagg == "auto" and self.min_clients >= 3)

    @property
    def quorum(self) -> int:
        """Clients a round needs once the run has started: two thirds of `min_clients`, at least one."""
        return max(1, math.ceil(2 * self.min_clients / 3))

    @property
    def secagg_shares(self) -> tuple[float, float]:
        """SecAgg+ (shares, reconstruction threshold) as fractions of a round's clients (Flower rounds them):
        every client holds a share of each secret and 60% of them reconstruct it, so with 3 clients one may
        drop out mid-round."""
        return 1.0, 0.6

    @property
    def dp_noise_stdev(self) -> float:
        """The Gaussian noise stdev added to each aggregate (Flower: multiplier * norm / sampled clients)."""
        return self.dp_noise_multiplier * self.dp_clipping_norm / self.min_clients if self.dp else 0.0

    def privacy_report(self) -> dict[str, Any]:
        """The privacy parameters, as reported to the group."""
        return {
            "dp": self.dp,
            "dp_mechanism": "Gaussian; clipping on each client (fixedclipping_mod), noise on the aggregate"
            if self.dp
            else None,
            "dp_noise_multiplier": self.dp_noise_multiplier if self.dp else None,
            "dp_clipping_norm": self.dp_clipping_norm if self.dp else None,
            "dp_noise_stdev_per_round": round(self.dp_noise_stdev, 6) if self.dp else None,
            "secagg_plus": self.use_secagg,
            "secagg_shares_threshold": list(self.secagg_shares) if self.use_secagg else None,
        }

    # --- Flower's run config --------------------------------------------------------------------
    def to_run_config(self) -> dict[str, Any]:
        return {k.replace("_", "-"): v for k, v in asdict(self).items()}

    @classmethod
    def from_run_config(cls, cfg: dict[str, Any]) -> FederationPlan:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            key = f.name.replace("_", "-")
            if key in cfg:
                default = getattr(cls, f.name)
                value = cfg[key]
                kwargs[f.name] = type(default)(value) if not isinstance(default, str) else str(value)
        return cls(**kwargs)

    def run_config_args(self) -> list[str]:
        """`flwr run --run-config` arguments (TOML values)."""
        import json

        out = []
        for k, v in self.to_run_config().items():
            out.append(f"{k}={'true' if v is True else 'false' if v is False else json.dumps(v)}")
        return out
