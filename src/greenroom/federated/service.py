"""The two roles as functions the CLI calls: `run_server` (SuperLink + one run) and `run_join` (SuperNode).

The server prepares its held-out features (the guard's blind sets), makes or reuses the group's
certificates, runs the federation and returns the result. A member prepares its local features from
consented examples, opens the egress guard to the server's host only, and runs Flower's SuperNode in
this process until interrupted.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import time
from pathlib import Path
from typing import Any

from greenroom.errors import InputError
from greenroom.federated.certs import CertPaths, make_certificates
from greenroom.federated.deploy import FederationServer, Ports, flower_env, free_port, supernode_command
from greenroom.federated.guard_task import GuardHeadTask, heldout_examples
from greenroom.federated.local_data import Example, consented_examples, features_path, prepare
from greenroom.federated.plan import FederationPlan


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_server(
    fed_dir: Path,
    *,
    host: str,
    port: int,
    certs_dir: Path | None,
    insecure: bool,
    timeout: float,
    plan_kwargs: dict[str, Any],
    embedder: Any | None = None,
) -> dict[str, Any]:
    """Start a SuperLink on `host:port`, run one federation, stop; returns the ServerApp's result."""
    if insecure and not is_loopback(host):
        raise InputError("--insecure is only allowed on a loopback address; use the group's certificates.")
    certs = None
    if not insecure:
        certs = CertPaths.in_dir(certs_dir or fed_dir / "certs")
        if not certs.exist():
            certs = make_certificates(certs.ca.parent, [host])
    run_dir = fed_dir / "runs" / time.strftime("%Y%m%d-%H%M%S")
    if plan_kwargs.get("task", "guard-head") == "guard-head":
        task = GuardHeadTask(init=str(plan_kwargs.get("init", "zeros")))
        if embedder is None:
            from greenroom.embeddings import get_embedder

            embedder = get_embedder()
        held = [Example(t, lab) for t, lab in heldout_examples()]
        heldout = prepare(held, embedder, run_dir / "heldout", anonymise=False)
        plan_kwargs = {**plan_kwargs, "classes": ",".join(task.classes), "heldout": str(heldout)}
    elif not plan_kwargs.get("heldout") or not plan_kwargs.get("lora_base"):
        raise InputError("The interviewer-lora task needs --lora-base and --heldout (a `greenroom train data` folder).")
    plan = FederationPlan(out_dir=str(run_dir), **plan_kwargs)
    server = FederationServer(run_dir, plan, bind=host, certs=certs, ports=Ports(port, free_port(), free_port()))
    server.start()
    try:
        return server.run(timeout)
    finally:
        server.stop()


def prepare_node(node_dir: Path, examples: Path, embedder: Any | None = None, *, anonymise: bool = True) -> Path:
    """Turn this member's consented examples into local features (`features.npz`) in `node_dir`."""
    if embedder is None:
        from greenroom.embeddings import get_embedder

        embedder = get_embedder()
    return prepare(consented_examples(examples), embedder, node_dir, anonymise=anonymise)


def run_join(
    node_dir: Path,
    host: str,
    port: int,
    *,
    ca: Path | None,
    examples: Path | None,
    audit_dir: Path | None = None,
    audit_raw: bool = False,
    insecure: bool = False,
    lora_base: Path | None = None,
    lora_data: Path | None = None,
) -> None:
    """Run Flower's SuperNode in this process, connected to `host:port` only (blocks until interrupted)."""
    from greenroom.config import get_settings

    if insecure and not is_loopback(host):
        raise InputError("--insecure is only allowed for a server on this machine; ask the group for its CA.")
    if not insecure and ca is None:
        raise InputError("Joining needs the group's CA certificate (--ca ca.crt).")
    if ca is not None and not ca.exists():
        raise InputError(f"CA certificate not found: {ca}")
    settings = get_settings()
    if settings.egress_guard:
        from greenroom.privacy import netguard

        netguard.install([*settings.egress_allowed_hosts(), host])
    if examples is not None:
        prepare_node(node_dir, examples)
    if not features_path(node_dir).exists() and lora_data is None:
        raise InputError(f"No local features in {node_dir}: pass --examples with your consented examples.")
    node_config: dict[str, Any] = {"data-dir": str(node_dir)}
    if lora_base is not None or lora_data is not None:
        if lora_base is None or lora_data is None or not lora_data.exists():
            raise InputError(
                "The LoRA task needs --lora-base and an existing --lora-data folder (`greenroom train data`)."
            )
        node_config.update({"lora-base": str(lora_base), "lora-data": str(lora_data)})
    if audit_dir is not None:
        node_config["audit-dir"] = str(audit_dir)
        node_config["audit-raw"] = audit_raw
    os.environ.update(flower_env(node_dir / "flwr-home"))
    sys.argv = supernode_command(host, port, None if insecure else ca, node_config, free_port())
    from flwr.supernode.cli.flower_supernode import flower_supernode

    flower_supernode()
