"""Report sections and plain-language summaries of the joint-mechanics section.

Used by the ``retrorun analyze --html`` report (through the analysis step in
:mod:`retrorun.biomech.mechanics`) and by ``retrorun compare --html``.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["ANGLE_PANELS", "KNEE_PANELS", "coach_summary", "comparison_html",
           "report_sections"]

ANGLE_PANELS = [
    ("hip_flexion", "deg (flexion +)"), ("hip_adduction", "deg (adduction +)"),
    ("hip_internal_rotation", "deg (internal +)"),
    ("knee_flexion", "deg (flexion +)"), ("knee_adduction", "deg (varus +)"),
    ("knee_internal_rotation", "deg (tibia internal +)"),
    ("ankle_dorsiflexion", "deg (dorsiflexion +)"), ("ankle_inversion", "deg (inversion +)"),
    ("ankle_internal_rotation", "deg (internal +)"),
]
KNEE_PANELS = [
    ("lever_arm_mm", "mm (GRF medial +)"), ("kam_lever_pct", "%BW·Ht (lever arm)"),
    ("kam_id_pct", "%BW·Ht (inverse dynamics)"), ("kfm_id_pct", "%BW·Ht (flexion +)"),
    ("kam_lever_nm_per_kg", "N·m/kg (lever arm)"), ("kam_id_nm_per_kg", "N·m/kg (inv. dyn.)"),
]
#: |symmetry index| from which a difference is called notable: design rule (no source);
#: 10 % is a common rule of thumb in gait-symmetry reports.
NOTABLE_SI_PCT = 10.0

_LABELS = {
    "knee_flexion_peak_deg": ("peak knee bend in stance", "°"),
    "knee_adduction_peak_deg": ("peak knee varus angle (bowing out) in stance", "°"),
    "knee_internal_rotation_range_deg": ("tibial rotation range in stance", "°"),
    "hip_adduction_peak_deg": ("peak hip adduction (knee drifting inwards) in stance", "°"),
    "hip_internal_rotation_range_deg": ("hip rotation range in stance", "°"),
    "lever_arm_mean_mm": ("mean distance of the ground force inside the knee", " mm"),
    "kam_lever_peak_pct": ("peak knee adduction moment", " %BW·Ht"),
    "kam_id_peak_pct": ("peak knee adduction moment (full dynamics)", " %BW·Ht"),
    "stance_time_s": ("ground contact time", " s"),
    "stride_hip_internal_rotation_range_deg": (
        "hip rotation range over the stride (out in swing, in at landing)", "°"),
    "stride_knee_internal_rotation_range_deg": (
        "tibial rotation range over the stride", "°"),
}


def _fmt(v: float | None, unit: str) -> str:
    return "–" if v is None else f"{v:.1f}{unit}" if unit != " s" else f"{v:.3f} s"


def coach_summary(mech: dict[str, Any]) -> list[str]:
    """Plain sentences on left/right differences, largest first.

    A difference is "notable" when the symmetry index is at least 10 % (design rule).
    """
    asym = mech.get("asymmetry", {})
    items = []
    for metric, a in asym.items():
        if metric not in _LABELS or a.get("left_mean") is None or a.get("right_mean") is None:
            continue
        label, unit = _LABELS[metric]
        si = a.get("symmetry_index_pct")
        L, R = a["left_mean"], a["right_mean"]
        if si is None:
            txt = (f"{label.capitalize()}: left {_fmt(L, unit)}, right {_fmt(R, unit)} "
                   f"(values near zero, compare the numbers directly).")
            items.append((0.0, txt))
            continue
        bigger = "right" if R > L else "left"
        flag = "notable" if abs(si) >= NOTABLE_SI_PCT else "small"
        txt = (f"{label.capitalize()}: left {_fmt(L, unit)}, right {_fmt(R, unit)} — "
               f"{bigger} side {abs(si):.0f} % higher ({flag} difference).")
        items.append((abs(si), txt))
    items.sort(key=lambda x: -x[0])
    out = [t for _, t in items]
    lev = asym.get("lever_arm_mean_mm", {})
    if lev.get("left_mean") is not None and lev.get("right_mean") is not None:
        worse = "left" if lev["left_mean"] > lev["right_mean"] else "right"
        out.append(
            f"The ground-reaction force passes further inside the {worse} knee, so that knee "
            "is pushed more into varus (bowing outwards) during contact — the alignment "
            "backward running is meant to improve (\"look at the hip to fix the knee\")."
        )
    return out


def _svg(panels, conditions, phase) -> str:
    from retrorun.biomech.plots import curves_svg

    return curves_svg(panels, conditions, phase=phase)


def _check_table(mech: dict[str, Any]) -> str:
    rows = []
    for key, c in mech.get("checks", {}).items():
        if "rms_diff" not in c:
            continue
        side = key.rsplit("_", 1)[-1]
        rows.append(f"<tr><td>{side}</td><td>{c['n']}</td><td>{c['peak_lever']:.1f}</td>"
                    f"<td>{c['peak_inverse']:.1f}</td><td>{c['rms_diff']:.2f}</td>"
                    f"<td>{c['rms_diff_pct_peak']:.1f} %</td><td>{c['r']:.3f}</td></tr>")
    if not rows:
        return ""
    return ("<div class='scroll'><table><tr><th>side</th><th>frames</th>"
            "<th>peak KAM lever (N·m)</th><th>peak KAM inverse dynamics (N·m)</th>"
            "<th>RMS diff (N·m)</th><th>% of peak</th><th>r</th></tr>" + "".join(rows)
            + "</table></div>")


def report_sections(mech: dict[str, Any]) -> list[Any]:
    """:class:`retrorun.biomech.analysis.ReportSection` objects for the analyze report."""
    from retrorun.biomech.analysis import ReportSection
    from retrorun.biomech.plots import curves_figure

    cond = {"trial": mech}
    curves = mech.get("curves", {})
    phase = "stride" if curves.get("stride") else "stance"
    sections = []

    def has(panels, ph):
        return any(k in curves.get(ph, {}) for k, _ in panels)

    if has(ANGLE_PANELS, phase):
        sections.append(ReportSection(
            "Joint angles, left and right",
            html=(f"<p>Mean ± SD over {phase}s, 0 % = foot strike. Grood–Suntay joint "
                  "coordinate system on ISB segment frames; signs: flexion, adduction "
                  "(varus at the knee) and internal rotation positive on both sides.</p>"),
            figures=[lambda _res: curves_figure(ANGLE_PANELS, cond, phase=phase)]))
    if has(KNEE_PANELS, "stance"):
        sections.append(ReportSection(
            "Knee and ground-reaction force",
            html=("<p>Lever arm: distance from the knee joint centre to the ground-reaction "
                  "force line (through the centre of pressure) in the shank's frontal plane; "
                  "positive when the force passes medial to the knee. Knee adduction moment "
                  "(KAM) from the lever arm and from Newton–Euler inverse dynamics (foot + "
                  "shank, de Leva inertia), external, in % of body weight × height.</p>"
                  + _check_table(mech)),
            figures=[lambda _res: curves_figure(KNEE_PANELS, cond, phase="stance")]))
    summ = coach_summary(mech)
    if summ:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in summ)
        sections.append(ReportSection(
            "Left / right asymmetry — summary",
            html=(f"<ul>{items}</ul><p><small>Symmetry index = 100·(R−L)/mean(L, R). "
                  f"Differences of {NOTABLE_SI_PCT:.0f} % or more are called notable (a rule "
                  "of thumb, not a diagnosis). Not medical advice.</small></p>")))
    return sections


_PAGE_CSS = """body{font-family:system-ui,sans-serif;max-width:1250px;margin:1.5em auto;
padding:0 16px;
color:#222;line-height:1.4;overflow-wrap:break-word}
h1{font-size:1.6em;margin:0 0 .3em}h2{border-bottom:2px solid #1f5fa8;padding-bottom:2px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f4f4f4;position:sticky;top:0}td.num{text-align:right;white-space:nowrap}
tr.sig td{background:#fff4d6}.scroll{max-width:100%;overflow-x:auto}
svg{max-width:100%;height:auto;display:block}
.note{color:#555;font-size:.9em}
.disclaimer{border:1px solid #a02020;color:#a02020;padding:6px 10px;border-radius:4px;
font-size:.9em}
@media (max-width:640px){body{padding:0 10px}h1{font-size:1.3em}}
@media print{body{max-width:none;margin:0;padding:0}th{position:static}}"""


def comparison_html(result: dict[str, Any], mech_a: dict[str, Any], mech_b: dict[str, Any],
                    notes: list[str] | tuple[str, ...] = ()) -> str:
    """Self-contained HTML page of a comparison (overlaid curves + statistics table).

    *notes* are shown as warnings at the top (e.g. that a trial is synthetic).
    """
    from retrorun import DISCLAIMER

    la, lb = result["labels"]
    cond = {la: mech_a, lb: mech_b}
    phase = ("stride" if mech_a.get("curves", {}).get("stride")
             and mech_b.get("curves", {}).get("stride") else "stance")
    figs = _svg(ANGLE_PANELS, cond, phase) + _svg(KNEE_PANELS, cond, "stance")
    rows, empty = [], []
    f = lambda v: "–" if v is None else f"{v:+.2f}"  # noqa: E731
    g = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for metric, sides in result["metrics"].items():
        for side, s in sides.items():
            if not s["n_a"] and not s["n_b"]:  # the model has no such angle: listed below
                empty.append(f"{metric} ({side})")
                continue
            ci = s.get("ci_t") or [None, None]
            cb = s.get("ci_bootstrap") or [None, None]
            sig = ci[0] is not None and ci[1] is not None and (ci[0] > 0 or ci[1] < 0)
            rows.append(
                f"<tr{' class=sig' if sig else ''}><td>{html.escape(metric)}</td><td>{side}</td>"
                f"<td class=num>{s['n_a']}</td><td class=num>{s['n_b']}</td>"
                f"<td class=num>{g(s['mean_a'])}</td><td class=num>{g(s['mean_b'])}</td>"
                f"<td class=num>{f(s['difference'])}</td>"
                f"<td class=num>{f(ci[0])} … {f(ci[1])}</td>"
                f"<td class=num>{f(cb[0])} … {f(cb[1])}</td><td class=num>{f(s['hedges_g'])}</td>"
                f"<td class=num>{'–' if s['p_value'] is None else format(s['p_value'], '.3g')}"
                "</td></tr>")
    summary = "".join(f"<li>{html.escape(s)}</li>" for s in result["summary"]) or \
        "<li>No per-stride metric differs with a 95 % CI excluding zero.</li>"
    mode = "paired (stride i with stride i)" if result["paired"] else "unpaired (Welch)"
    warn = "".join(f"<p class='disclaimer'>{html.escape(n)}</p>" for n in notes)
    missing = (f"<p class='note'>Not in these trials' data (no rows): "
               f"{html.escape(', '.join(empty))}.</p>" if empty else "")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>retrorun compare: {html.escape(la)} vs {html.escape(lb)}</title>
<style>{_PAGE_CSS}</style></head><body>
<h1>{html.escape(la)} vs {html.escape(lb)}</h1>
<p class="disclaimer">{html.escape(DISCLAIMER)}</p>{warn}
<p>Differences are {html.escape(lb)} − {html.escape(la)}; statistics {mode}; 95 % CIs from
the t distribution and a seeded percentile bootstrap; effect size Hedges' g. Metric names end
in their unit (deg, mm, s, pct = % body weight × height).</p>
<h2>Summary</h2><ul>{summary}</ul>
<h2>Curves (solid: {html.escape(la)}, dashed: {html.escape(lb)})</h2>{figs}
<h2>Per-stride statistics</h2>
<p class="note">Highlighted rows: the 95 % CI (t) of the difference excludes zero.</p>
<div class="scroll"><table><thead><tr><th>metric</th><th>side</th>
<th>n {html.escape(la)}</th><th>n {html.escape(lb)}</th>
<th>mean {html.escape(la)}</th><th>mean {html.escape(lb)}</th><th>difference</th>
<th>95 % CI (t)</th><th>95 % CI (bootstrap)</th><th>Hedges' g</th><th>p</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></div>{missing}
<p class="note">{html.escape(DISCLAIMER)}</p></body></html>"""
