"""Machine checks for `greenroom doctor`: CPU, RAM, GPU and disk against the seed's requirements.

The seed asks for 16 GB RAM for 7B-class models, recommends a GPU for real-time use, and an SSD for
model weights and cached data. The check recommends the largest preset that fits.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from greenroom.llm.presets import PRESETS, Preset, preset_available


@dataclass
class Check:
    name: str
    ok: bool
    value: str
    advice: str = ""


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)
    recommended_preset: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.name in ("CPU", "RAM", "Disk"))


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def gpu_name() -> str | None:
    """The first NVIDIA GPU's name, if any (without importing torch)."""
    if shutil.which("nvidia-smi"):
        import subprocess

        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip().splitlines()[0]
        except (OSError, subprocess.TimeoutExpired):
            return None
    return None


def is_ssd(path: Path) -> bool | None:
    """True for an SSD, False for a spinning disk, None when unknown (e.g. virtual disks report 0 too)."""
    try:
        dev = os.stat(path).st_dev
        major, minor = os.major(dev), os.minor(dev)
        sys_dev = Path(f"/sys/dev/block/{major}:{minor}")
        for cand in (sys_dev, sys_dev.resolve().parent):
            rot = cand / "queue" / "rotational"
            if rot.is_file():
                return rot.read_text().strip() == "0"
    except OSError:
        return None
    return None


def run_doctor(data_dir: Path, model_dir: Path) -> DoctorReport:
    report = DoctorReport()
    cores = os.cpu_count() or 1
    flags = cpu_flags()
    simd = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "no AVX2")
    report.checks.append(
        Check(
            "CPU",
            cores >= 2 and "avx2" in flags,
            f"{cores} cores, {simd}",
            "" if "avx2" in flags else "AVX2 needed",
        )
    )
    ram_gb = psutil.virtual_memory().total / 2**30
    report.checks.append(
        Check(
            "RAM",
            ram_gb >= 4,
            f"{ram_gb:.1f} GB",
            "16 GB or more is needed for 7B-class models (seed requirement)." if ram_gb < 16 else "",
        )
    )
    gpu = gpu_name()
    report.checks.append(
        Check(
            "GPU",
            gpu is not None,
            gpu or "none",
            "" if gpu else "Recommended for real-time use with 7B+ models.",
        )
    )
    probe = data_dir if data_dir.exists() else Path.home()
    free_gb = shutil.disk_usage(probe).free / 2**30
    ssd = is_ssd(probe)
    report.checks.append(
        Check("Disk", free_gb >= 5, f"{free_gb:.0f} GB free", "At least 5 GB free for the embedded models.")
    )
    report.checks.append(
        Check(
            "SSD",
            ssd is not False,
            {True: "yes", False: "no (rotational)", None: "unknown"}[ssd],
            "" if ssd is not False else "An SSD is recommended for model weights.",
        )
    )
    fits: list[Preset] = [p for p in PRESETS.values() if p.ram_gb <= ram_gb and (gpu or p.ram_gb < 16 or ram_gb >= 32)]
    usable = [p for p in fits if preset_available(p, model_dir) and not p.degraded]
    choice = max(usable, key=lambda p: p.ram_gb) if usable else PRESETS["qwen2.5-coder-1.5b"]
    report.recommended_preset = choice.name
    report.reason = (
        f"largest available model that fits {ram_gb:.0f} GB RAM" + (" and a GPU" if gpu else " on CPU")
        if usable
        else "the embedded default (no larger model is installed)"
    )
    return report
