"""Plain-text rendering of the training log for the command line (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from retrorun.training.load import ACWR_CAVEAT, LOOK_IMBALANCE_FLAG, MONOTONY_FLAG, ProgressReport

_KIND = {
    "backward_walk": "backward walk",
    "backward_jog": "backward jog",
    "backward_run": "backward run",
    "forward_walk": "walk",
    "forward_stride": "strides",
    "easy_run": "easy run",
}


def _dur(s: int | None) -> str:
    if not s:
        return ""
    if s < 60:
        return f"{s} s"
    return f"{s // 60} min" if s % 60 == 0 else f"{s // 60}:{s % 60:02d} min"


def describe_step(step: Mapping[str, Any]) -> str:
    what = _KIND.get(step["kind"], step["kind"])
    amount = _dur(step.get("duration_s")) or (
        f"{step['distance_m']:g} m" if step.get("distance_m") else ""
    )
    reps = int(step.get("repeats", 1))
    txt = f"{reps} × {amount} {what}" if reps > 1 else f"{amount} {what}"
    if reps > 1 and step.get("recovery_s"):
        rk = _KIND.get(step.get("recovery_kind") or "", step.get("recovery_kind") or "rest")
        txt += f" ({_dur(step['recovery_s'])} {rk} between)"
    extra = [
        x
        for x in (
            step.get("pace_label"),
            f"RPE ≤ {step['rpe_target']}" if step.get("rpe_target") is not None else "",
        )
        if x
    ]
    return txt.strip() + (f" — {', '.join(extra)}" if extra else "")


def describe_session(s: Mapping[str, Any]) -> list[str]:
    """Lines describing one planned session (from ``Session.to_dict()``)."""
    blocks = s.get("blocks", [])
    looks = blocks[0].get("looks", {}) if blocks else {}
    head = (
        f"level {s['level']} ({s['phase']}) · {round(s['backward_minutes'], 1):g} min backward"
        f" · surface {blocks[0]['surface'] if blocks else '?'}"
    )
    if looks and (looks.get("left") or looks.get("right")):
        head += f" · looks {looks['left']} left / {looks['right']} right"
    if s.get("supervised"):
        head += " · SUPERVISED (treadmill with handrails or a coach)"
    lines = [head]
    for i, b in enumerate(blocks, 1):
        lines.append(f"  {i}. {b['title']}")
        lines.extend(f"     - {describe_step(st)}" for st in b.get("steps", []))
    return lines


def fmt_pain(v: int | None) -> str:
    return "–" if v is None else str(v)


def describe_decision(d: Any, cite=None) -> list[str]:
    """Lines for a stored decision row (or anything with the same attributes)."""
    flag = " (provisional)" if d.provisional else ""
    sup = " [superseded]" if getattr(d, "superseded", False) else ""
    lines = [
        f"{d.outcome.upper().replace('_', ' ')}{flag}{sup}: level {d.level_before} → "
        f"{d.level_after}"
    ]
    for r in d.reasons:
        keys = r.get("evidence", []) if isinstance(r, Mapping) else r.evidence
        text = r["text"] if isinstance(r, Mapping) else r.text
        outcome = r.get("outcome") if isinstance(r, Mapping) else r.outcome
        also = "" if outcome in (None, d.outcome) else "also noted: "
        lines.append(f"  - {also}{text}")
        if keys:
            src = "; ".join(f"{k}: {cite(k)}" if cite else k for k in keys)
            lines.append(f"      evidence: {src}")
    return lines


def history_table(rows: Sequence[Any], outcomes: Mapping[int, str]) -> list[str]:
    """The ``history`` table; a ``stiff`` column (next-morning stiffness) when any row has one."""
    stiff = any(getattr(r, "stiffness_next_morning", None) is not None for r in rows)
    head = (
        f"{'date':10}  {'session':18} {'lvl':>3} {'done':6} {'min':>9} {'RPE':>4} "
        f"{'pain d/a/m':>10} {'stiff ' if stiff else ''}"
        f"{'sw':>2} {'limp':>4}  decision"
    )
    out = [head, "-" * len(head)]
    for r in rows:
        pains = "/".join(fmt_pain(v) for v in (r.pain_during, r.pain_after, r.pain_next_morning))
        st = f"{fmt_pain(r.stiffness_next_morning):>5} " if stiff else ""
        out.append(
            f"{r.date.isoformat():10}  {r.session_id:18} {r.level:>3} {r.done:6} "
            f"{f'{round(r.backward_minutes, 1):g}/{round(r.planned_minutes, 1):g}':>9} "
            f"{'–' if r.rpe is None else f'{r.rpe:g}':>4} "
            f"{pains:>10} {st}"
            f"{'Y' if r.swelling else '-':>2} {'Y' if r.limp else '-':>4}  "
            f"{outcomes.get(r.id, '')}"
        )
    return out


def warning_lines(rows: Sequence[Any]) -> list[str]:
    """Watch-file warnings stored with the logs, one line each, under a heading (none: [])."""
    out = []
    for r in rows:
        src = (getattr(r, "activity", None) or {}).get("file")
        for w in r.warnings or ():
            out.append(f"  {r.date.isoformat()} {r.session_id}{f' ({src})' if src else ''}: {w}")
    return ["", "Watch-file warnings:", *out] if out else []


def _f(v, fmt="{:.1f}") -> str:
    return "–" if v is None else fmt.format(v)


def progress_lines(report: ProgressReport) -> list[str]:
    head = (
        f"{'wk':>2} {'start':10} {'plan':>5} {'done':>5} {'fwd-eq':>6} {'sRPE':>5} "
        f"{'monot':>5} {'strain':>6} {'ACWR':>5} {'pain':>4} {'worst':>5} {'morn':>4} "
        f"{'looks L/R':>9}"
    )
    out = [head, "-" * len(head)]
    for w in report.weeks:
        mono = _f(w.monotony, "{:.2f}") + ("!" if w.monotony_flag else "")
        out.append(
            f"{w.week:>2} {w.start.isoformat():10} {round(w.planned_minutes, 1):>5g} "
            f"{round(w.backward_minutes, 1):>5g} {w.forward_equivalent_minutes:>6.1f} "
            f"{round(w.srpe_load, 1):>5g} "
            f"{mono:>5} {_f(w.strain, '{:.0f}'):>6} {_f(w.acwr, '{:.2f}'):>5} "
            f"{_f(w.mean_pain):>4} {_f(w.max_pain, '{}'):>5} {_f(w.mean_morning_pain):>4} "
            f"{f'{w.looks_left}/{w.looks_right}':>9}"
        )
    b = report.band_counts
    n = sum(b.values())
    out.append("")
    out.append(
        f"Compliance (planned sessions so far: {n}): {b['green']} within 15 %, "
        f"{b['orange']} 15–35 % off, {b['red']} beyond 35 % or missed."
    )
    if report.look_imbalance is None:
        out.append("Looks: none logged.")
    else:
        flag = (
            " — uneven: alternate sides (design rule)"
            if report.look_imbalance > LOOK_IMBALANCE_FLAG
            else ""
        )
        out.append(
            f"Looks: {report.looks_left} left / {report.looks_right} right "
            f"({report.look_imbalance:.0%} apart){flag}."
        )
    if report.pain_slope_per_week is None:
        out.append("Pain trend: needs two weeks of logs.")
    else:
        s = report.pain_slope_per_week
        word = "falling" if s < -0.1 else "rising" if s > 0.1 else "flat"
        out.append(f"Pain trend: {s:+.2f} points/week ({word}).")
    if report.stiffness_logged:
        if report.stiffness_slope_per_week is None:
            out.append("Morning stiffness trend: needs two weeks of logs.")
        else:
            s = report.stiffness_slope_per_week
            word = "falling" if s < -0.1 else "rising" if s > 0.1 else "flat"
            out.append(f"Morning stiffness trend: {s:+.2f} points/week ({word}).")
    if any(w.monotony_flag for w in report.weeks):
        out.append(f"Monotony above {MONOTONY_FLAG:g} in a week marked '!' (Foster 1998).")
    out.append(
        f"ACWR latest: {_f(report.acwr_latest, '{:.2f}')} (0.8–1.3 'sweet spot', "
        "≥ 1.5 'danger', Gabbett 2016)."
    )
    out.append(f"  {ACWR_CAVEAT}")
    if report.warnings:
        out.append("Activity warnings:")
        out.extend(f"  - {w}" for w in report.warnings)
    return out


def days_word(d: date, today: date) -> str:
    n = (d - today).days
    return (
        "today"
        if n == 0
        else "tomorrow"
        if n == 1
        else f"in {n} days"
        if n > 0
        else f"{-n} days ago"
    )
