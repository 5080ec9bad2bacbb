"""Read the plain ``Plan.to_dict()`` layout (no import of the prescription classes).

The exporters and the activity matcher work on these dicts, so they depend only on the documented
JSON layout (``docs/plan-json.md``): ``plan['weeks'][i]['sessions'][j]['blocks'][k]['steps']``.
"""

from __future__ import annotations

from typing import Any

#: step kinds that move backwards (mirrors ``retrorun.prescription.model.BACKWARD_KINDS``)
BACKWARD_KINDS = frozenset({"backward_walk", "backward_jog", "backward_run"})

KIND_LABELS = {
    "backward_walk": "Backward walk",
    "backward_jog": "Backward jog",
    "backward_run": "Backward run",
    "forward_walk": "Walk",
    "forward_stride": "Stride",
    "easy_run": "Easy run",
    "stand": "Stand",
}


def plan_sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """All sessions of a plan dict, date-ordered (``plan['sessions']`` or nested in weeks)."""
    if "sessions" in plan:
        sessions = list(plan["sessions"])
    else:
        sessions = [s for w in plan.get("weeks", []) for s in w.get("sessions", [])]
    return sorted(sessions, key=lambda s: (str(s.get("date", "")), str(s.get("session_id", ""))))


def is_backward(step: dict[str, Any]) -> bool:
    """True for a backward step (``direction == 'backward'`` or a backward kind)."""
    return step.get("direction") == "backward" or step.get("kind") in BACKWARD_KINDS


def label(kind: str | None) -> str:
    """Human label of a step kind."""
    if not kind:
        return "Step"
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def step_text(step: dict[str, Any]) -> str:
    """One line describing a step, e.g. ``6 × 30 s Backward jog (≤ 1.9 m/s), 60 s walk between``."""
    what = label(step.get("kind"))
    if step.get("duration_s"):
        amount = _dur(step["duration_s"])
    elif step.get("distance_m"):
        amount = f"{step['distance_m']:g} m"
    else:
        amount = "open"
    reps = int(step.get("repeats") or 1)
    text = f"{reps} × {amount} {what}" if reps > 1 else f"{amount} {what}"
    limits = []
    if step.get("pace_ceiling_m_s"):
        pace = step.get("pace_ceiling_s_per_km") or 1000.0 / step["pace_ceiling_m_s"]
        limits.append(f"≤ {step['pace_ceiling_m_s']:.2f} m/s = {_pace(pace)}/km")
    if step.get("hr_ceiling_bpm"):
        limits.append(f"HR ≤ {step['hr_ceiling_bpm']:.0f}")
    if step.get("rpe_target"):
        limits.append(f"RPE ≤ {step['rpe_target']}")
    if step.get("pace_label"):
        limits.append(str(step["pace_label"]))
    if limits:
        text += " (" + ", ".join(limits) + ")"
    if reps > 1 and step.get("recovery_s"):
        text += (
            f", {_dur(step['recovery_s'])} {label(step.get('recovery_kind') or 'stand').lower()}"
        )
        text += " between"
    return text


def _dur(s: float) -> str:
    s = round(s)
    if s < 120 and s % 60:
        return f"{s} s"
    m, sec = divmod(s, 60)
    return f"{m} min" if not sec else f"{m} min {sec} s"


def _pace(s_per_km: float) -> str:
    s = round(s_per_km)
    return f"{s // 60}:{s % 60:02d}"
