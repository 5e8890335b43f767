"""Running a federation with Flower's deployment engine: the app folder, the processes, their environment.

- `write_app(dir, ...)`: the Flower App that `flwr run` bundles and sends to the SuperLink: a README and a
  `pyproject.toml` naming Greenroom's ServerApp and ClientApp (both installed with Greenroom, so the bundle
  carries no code), the plan's keys as run config, and the federation's address and CA.
- `flower_env(...)`: every Flower process runs with telemetry off (`FLWR_TELEMETRY_ENABLED=0`; Flower
  otherwise reports usage events to its servers), its own `FLWR_HOME`, and this interpreter's scripts on PATH.
- `superlink_command`, `supernode_command`, `run_command`: the Flower command lines, TLS on unless `insecure`.
- `FederationServer`: starts the SuperLink, submits one run, waits for its end and reads `result.json`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from greenroom.errors import GreenroomError, InputError
from greenroom.federated.certs import CertPaths
from greenroom.federated.plan import FederationPlan

FEDERATION = "greenroom"
DEFAULT_FLEET_PORT = 9092


def parse_server_url(url: str) -> tuple[str, int]:
    """`HOST[:PORT]` or `grpcs://HOST[:PORT]` -> (host, port); the default port is 9092."""
    text = url if "//" in url else f"grpcs://{url}"
    parts = urlsplit(text)
    if parts.scheme not in ("grpcs", "grpc", "https") or not parts.hostname:
        raise InputError(f"Not a federation server address: {url!r} (expected HOST:PORT).")
    try:
        port = parts.port or DEFAULT_FLEET_PORT
    except ValueError:
        raise InputError(f"Bad port in {url!r}.") from None
    return parts.hostname, port


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def flower_env(flwr_home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["FLWR_TELEMETRY_ENABLED"] = "0"
    env["FLWR_HOME"] = str(flwr_home)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.update(extra or {})
    return env


def _toml(value: Any) -> str:
    return "true" if value is True else "false" if value is False else json.dumps(value)


def write_app(app_dir: Path, plan: FederationPlan, control_address: str, ca: Path | None) -> Path:
    """Write the Flower App folder (one pyproject.toml) for `flwr run`."""
    from greenroom import __version__

    app_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "[build-system]",
        'requires = ["hatchling"]',
        'build-backend = "hatchling.build"',
        "",
        "[project]",
        'name = "greenroom-federated"',
        f'version = "{__version__}"',
        'description = "Greenroom federated training (the apps are installed with Greenroom)"',
        'license = "GPL-3.0-or-later"',
        "",
        "[tool.flwr.app]",
        'publisher = "greenroom"',
        "",
        "[tool.flwr.app.components]",
        'serverapp = "greenroom.federated.server_app:app"',
        'clientapp = "greenroom.federated.client_app:app"',
        "",
        "[tool.flwr.app.config]",
        *[f"{k} = {_toml(v)}" for k, v in plan.to_run_config().items()],
        "",
        "[tool.flwr.federations]",
        f'default = "{FEDERATION}"',
        "",
        f"[tool.flwr.federations.{FEDERATION}]",
        f'address = "{control_address}"',
        f'root-certificates = "{ca}"' if ca else "insecure = true",
        "",
    ]
    path = app_dir / "pyproject.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    # Flower's bundle lists every file but pyproject.toml in a manifest that must not be empty
    (app_dir / "README.md").write_text(
        "# Greenroom federated app\n\nThe ServerApp and ClientApp are installed with Greenroom "
        "(`greenroom.federated`); this bundle only carries the run configuration.\n",
        encoding="utf-8",
    )
    return path


def _tls(certs: CertPaths | None, *, server: bool) -> list[str]:
    if certs is None:
        return ["--insecure"]
    if server:
        return ["--ssl-ca-certfile", str(certs.ca), "--ssl-certfile", str(certs.cert), "--ssl-keyfile", str(certs.key)]
    return ["--root-certificates", str(certs.ca)]


@dataclass(frozen=True)
class Ports:
    fleet: int
    control: int
    serverappio: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port())


def superlink_command(bind: str, ports: Ports, certs: CertPaths | None, state_dir: Path) -> list[str]:
    return [
        "flower-superlink",
        *_tls(certs, server=True),
        "--fleet-api-address",
        f"{bind}:{ports.fleet}",
        "--control-api-address",
        f"127.0.0.1:{ports.control}",
        "--serverappio-api-address",
        f"127.0.0.1:{ports.serverappio}",
        "--database",
        str(state_dir / "state.db"),
        "--storage-dir",
        str(state_dir / "ffs"),
    ]


def supernode_command(
    host: str, port: int, ca: Path | None, node_config: dict[str, Any], clientappio_port: int
) -> list[str]:
    cfg = " ".join(f"{k}={_toml(v)}" for k, v in node_config.items())
    tls = ["--root-certificates", str(ca)] if ca else ["--insecure"]
    return [
        "flower-supernode",
        *tls,
        "--superlink",
        f"{host}:{port}",
        "--clientappio-api-address",
        f"127.0.0.1:{clientappio_port}",
        "--node-config",
        cfg,
    ]


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Stop a process started in its own session, and everything it started."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=timeout)


class FederationServer:
    """One SuperLink and one run of the ServerApp (`greenroom federated server`)."""

    def __init__(
        self,
        work_dir: Path,
        plan: FederationPlan,
        *,
        bind: str = "127.0.0.1",
        certs: CertPaths | None,
        ports: Ports | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.plan = plan
        self.bind = bind
        self.certs = certs
        self.ports = ports or Ports.free()
        self.env = flower_env(work_dir / "flwr-home")
        self.superlink: subprocess.Popen[Any] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log = (self.work_dir / "superlink.log").open("ab")
        cmd = superlink_command(self.bind, self.ports, self.certs, self.work_dir)
        self.superlink = subprocess.Popen(
            cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        if not wait_port("127.0.0.1", self.ports.control, timeout):
            self.stop()
            raise GreenroomError(f"The SuperLink did not start; see {self.work_dir / 'superlink.log'}.")

    def run(self, timeout: float) -> dict[str, Any]:
        """Submit the plan with `flwr run`, wait for the run to end, and return its result."""
        out_dir = Path(self.plan.out_dir)
        app_dir = self.work_dir / "app"
        write_app(app_dir, self.plan, f"127.0.0.1:{self.ports.control}", self.certs.ca if self.certs else None)
        cmd = ["flwr", "run", str(app_dir), FEDERATION, "--stream"]
        log_path = self.work_dir / "run.log"
        with log_path.open("wb") as log:
            try:
                subprocess.run(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise GreenroomError(f"The federation did not finish in {timeout:.0f} s; see {log_path}.") from None
        result = out_dir / "result.json"
        if not result.exists():
            tail = log_path.read_text(errors="replace")[-800:]
            raise GreenroomError(f"The federation ended without a result; see {log_path}. Last output:\n{tail}")
        data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return data

    def stop(self) -> None:
        if self.superlink is not None:
            stop_process(self.superlink)
            self.superlink = None
