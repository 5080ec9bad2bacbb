"""Plain-text formatting of plan parts, shared by the terminal view, Markdown and HTML handouts."""

from __future__ import annotations

from retrorun.prescription.model import Block, Looks, Plan, Session, Step

_KIND = {
    "backward_walk": "backward walk",
    "backward_jog": "backward jog",
    "backward_run": "backward run",
    "forward_walk": "forward walk",
    "forward_stride": "forward stride",
    "easy_run": "easy run",
    "stand": "stand",
}

PHASE_LABEL = {
    "backward_walk": "Backward walking",
    "backward_jog_intervals": "Backward jog intervals",
    "backward_run_continuous": "Continuous backward running",
    "maintenance": "Maintenance",
}

PHASE_SHORT = {
    "backward_walk": "walk",
    "backward_jog_intervals": "jog intervals",
    "backward_run_continuous": "continuous",
    "maintenance": "maintenance",
}

CONDITION_LABEL = {
    "lateral_knee_pain": "lateral knee pain",
    "low_back_pain": "low back pain",
    "plantar_heel_pain": "plantar heel pain",
    "none": "prevention (no current pain)",
}


def mmss(seconds: float) -> str:
    """``m:ss`` of a duration in seconds."""
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def minutes(m: float) -> str:
    """Minutes with at most one decimal (``"5"``, ``"6.5"``)."""
    r = round(m, 1)
    return f"{r:g}"


def kind_label(kind: str | None) -> str:
    return _KIND.get(kind or "", (kind or "").replace("_", " "))


def step_text(st: Step) -> str:
    """``"2 × 4:00 backward walk, 0:30 forward walk between"``."""
    what = kind_label(st.kind)
    if st.duration_s is not None:
        dur = mmss(st.duration_s)
    elif st.distance_m is not None:
        dur = f"{st.distance_m:g} m"
    else:
        dur = ""
    head = f"{st.repeats} × {dur} {what}" if st.repeats > 1 else f"{dur} {what}"
    if st.repeats > 1 and st.recovery_s:
        head += f", {mmss(st.recovery_s)} {kind_label(st.recovery_kind)} between"
    return head.strip()


def step_pace(st: Step) -> str:
    """Pace/effort text of a step."""
    parts = []
    if st.pace_label:
        parts.append(st.pace_label)
    parts.append(f"RPE ≤ {st.rpe_target}")
    return ", ".join(parts)


def looks_text(lk: Looks) -> str:
    """``"8 looks, every ≈ 0:30: L R L R …"`` or the treadmill note."""
    if lk.left + lk.right == 0:
        return "no look-behinds (eyes forward, rails lightly)"
    seq = " ".join(lk.sequence)
    if len(lk.sequence) > 12:
        seq = " ".join(lk.sequence[:12]) + " …"
    return (f"{lk.left + lk.right} looks ({lk.left} left, {lk.right} right), one every "
            f"≈ {mmss(lk.interval_s)}: {seq}")


def session_summary(s: Session) -> str:
    """One line: the backward block of a session."""
    return "; ".join(step_text(st) for st in s.blocks[0].steps)


def block_lines(b: Block) -> list[str]:
    """Lines describing a block (steps with pace/effort)."""
    return [f"{step_text(st)} — {step_pace(st)}" for st in b.steps]


def surface_label(surface: str) -> str:
    return {"track": "track", "treadmill": "treadmill", "flat_path": "flat path",
            "any": "any"}.get(surface, surface)


def plan_title(plan: Plan) -> str:
    side = "" if plan.side in ("none", "both") else f" ({plan.side})"
    return f"{plan.athlete} — {CONDITION_LABEL.get(plan.condition, plan.condition)}{side}"


def short_decision(decision: str) -> str:
    """A few words for a week's decision (``"↑ duration"``, ``"hold (caps)"``, ...)."""
    if decision.startswith("start"):
        return "start"
    if decision.startswith("progress: frequency"):
        return "↑ frequency"
    if decision.startswith("progress: speed"):
        return "↑ speed"
    if decision.startswith("progress: duration"):
        return "↑ duration"
    if decision.startswith("hold: top"):
        return "maintain"
    if "at the full dose" in decision:
        return "full dose"
    if decision.startswith("progress: maintenance"):
        return "→ maintenance"
    if decision.startswith("hold"):
        i = decision.find("(")
        return "build" + (f" {decision[i:]}" if i >= 0 else " minutes")
    return decision


def week_rows(plan: Plan) -> list[dict[str, str]]:
    """One dict of display strings per week."""
    rows = []
    for w in plan.weeks:
        if w.sessions:
            lv = sorted({s.level for s in w.sessions})
            phase = PHASE_LABEL.get(w.sessions[0].phase, w.sessions[0].phase)
            per = sorted({minutes(s.backward_minutes) for s in w.sessions}, key=float)
            per = [per[0]] if len(per) == 1 else [f"{per[0]}–{per[-1]}"]
            days = " ".join(f"{s.date:%a} {s.date.day}" for s in w.sessions)
            short = f"L{'/'.join(str(x) for x in lv)} {PHASE_SHORT.get(w.sessions[0].phase, '')}"
        else:
            lv, phase, per, days, short = [], "rest (caps)", [], "—", "—"
        rows.append({
            "week": str(w.number),
            "dates": f"{w.start:%d %b}–{w.end:%d %b}",
            "level": "/".join(f"L{x}" for x in lv) or "—",
            "phase": phase,
            "days": days,
            "per_session": "/".join(per) or "0",
            "total": minutes(w.backward_minutes),
            "decision": w.decision,
            "level_phase": short,
            "why": short_decision(w.decision),
        })
    return rows
