"""The report's delivery section: the spoken answers' figures and advice, read from the target checks
that `speech.delivery.analyze_delivery` writes (`DeliveryMetrics.checks`: metric, value, band, status,
source). The bands live there only; nothing here repeats them."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any

#: Advice per (metric, status); `{value}`, `{low}` and `{high}` come from the averaged check.
ADVICE = {
    ("wpm", "high"): "Slow down: {value:.0f} words a minute is above the {low:.0f}-{high:.0f} target.",
    ("wpm", "low"): "Pick up the pace a little: {value:.0f} words a minute is below the {low:.0f}-{high:.0f} target.",
    ("fillers_per_min", "high"): "Cut fillers (um, uh, like): {value:.1f} a minute, aim for {high:.0f} or fewer.",
    ("pitch_sd_st", "low"): "Vary your pitch more: your voice sounded monotone.",
    ("pauses_over_2s_per_min", "high"): (
        "Replace long silences with a short signpost ('Let me structure this in two parts')."
    ),
    ("level_median_db", "low"): "Speak up or move closer to the microphone: your voice was quiet.",
    ("clipping_fraction", "high"): "Move back from the microphone or lower its gain: the audio clipped.",
}


def _status(value: float, low: float | None, high: float | None) -> str:
    if low is not None and value < low:
        return "low"
    if high is not None and value > high:
        return "high"
    return "ok"


def delivery_summary(metrics: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Averages over the spoken answers, each metric's check on the average, and advice; None with no speech."""
    spoken = [m for m in metrics if m]
    if not spoken:
        return None
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for m in spoken:
        for c in m.get("checks") or []:
            if isinstance(c, dict) and isinstance(c.get("value"), int | float):
                by_metric.setdefault(str(c["metric"]), []).append(c)
    checks: list[dict[str, Any]] = []
    advice: list[str] = []
    for metric, cs in by_metric.items():
        value = round(fmean(float(c["value"]) for c in cs), 3)
        low, high = cs[0].get("low"), cs[0].get("high")
        status = _status(value, low, high)
        checks.append(
            {"metric": metric, "value": value, "low": low, "high": high, "status": status, "source": cs[0]["source"]}
        )
        text = ADVICE.get((metric, status))
        if text:
            advice.append(text.format(value=value, low=low or 0.0, high=high or 0.0))

    def mean(key: str) -> float | None:
        xs = [float(m[key]) for m in spoken if isinstance(m.get(key), int | float)]
        return round(fmean(xs), 2) if xs else None

    return {
        "answers": len(spoken),
        "wpm": mean("wpm"),
        "fillers_per_min": mean("fillers_per_min"),
        "pitch_sd_st": mean("pitch_sd_st"),
        "pauses_over_2s": sum(int(m.get("pauses_over_2s") or 0) for m in spoken),
        "checks": checks,
        "advice": advice,
    }
