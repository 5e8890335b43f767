"""Progress across sessions: one row per session with its overall scores and delivery and vision figures."""

from __future__ import annotations

from statistics import mean
from typing import Any

from greenroom.privacy.crypto import TamperedDataError


def _avg(values: list[float | None]) -> float | None:
    xs = [float(v) for v in values if isinstance(v, int | float)]
    return round(mean(xs), 2) if xs else None


def summarize_session(data: dict[str, Any]) -> dict[str, Any]:
    """Headline figures of one stored session."""
    meta = data.get("meta") or {}
    turns = data.get("turns") or []
    report = data.get("report") or {}
    grades = [t.get("grade") or {} for t in turns]
    delivery = [t.get("delivery_metrics") or {} for t in turns]
    vision = [((t.get("vision_metrics") or {}).get("face") or {}) for t in turns]
    overall = report.get("overall") if isinstance(report.get("overall"), dict) else {}
    return {
        "id": data["id"],
        "created_at": data["created_at"],
        "expires_at": data.get("expires_at"),
        "track": meta.get("track"),
        "role": meta.get("role"),
        "status": meta.get("status", "done" if report else "in_progress"),
        "turns": len(turns),
        "technical_score": overall.get("technical_score")
        if overall
        else _avg([g.get("technical_score") for g in grades]),
        "response_quality": overall.get("response_quality")
        if overall
        else _avg([g.get("response_quality") for g in grades]),
        "wpm": _avg([d.get("wpm") for d in delivery]),
        "fillers_per_min": _avg([d.get("fillers_per_min") for d in delivery]),
        "pitch_sd_st": _avg([d.get("pitch_sd_st") for d in delivery]),
        "eye_contact_ratio": _avg([v.get("eye_contact_ratio") for v in vision]),
    }


def session_rows(store: Any) -> list[dict[str, Any]]:
    rows = []
    for item in store.list_sessions():
        if item.get("error"):
            rows.append({"id": item["id"], "created_at": item["created_at"], "error": item["error"]})
            continue
        try:
            rows.append(summarize_session(store.get_session(item["id"])))
        except TamperedDataError as exc:
            rows.append({"id": item["id"], "created_at": item["created_at"], "error": exc.message})
    return rows


def history(store: Any) -> dict[str, Any]:
    """Oldest first, for charts over time."""
    rows = [r for r in session_rows(store) if "error" not in r]
    rows.sort(key=lambda r: r["created_at"])
    return {"sessions": rows}
