"""Self-contained HTML report of an analysis (inline SVG figures, no CDN, no scripts)."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import numpy as np

from retrorun._atomic import write_atomic
from retrorun.biomech.analysis import AnalysisResult, ReportSection
from retrorun.biomech.events import SIDES

__all__ = ["core_sections", "figure_svg", "render_report", "write_report"]

_COLORS = {"left": "#1f77b4", "right": "#d62728"}
_WINDOW = 4.0  # s of signal shown in trace plots


def figure_svg(fig: Any) -> str:
    """Render a matplotlib figure to an inline ``<svg>`` string and close it."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    s = buf.getvalue()
    return s[s.find("<svg"):]


def _window(res: AnalysisResult) -> tuple[float, float]:
    t = res.trial.time
    fs = np.sort(np.concatenate([res.events[s].foot_strike for s in SIDES]))
    start = float(fs[0] - 0.1) if fs.size else float(t[0])
    start = max(start, float(t[0]))
    return start, min(start + _WINDOW, float(t[-1]))


def _mark_events(ax: Any, res: AnalysisResult, a: float, b: float) -> None:
    for s in SIDES:
        ev = res.events[s]
        for x in ev.foot_strike[(ev.foot_strike >= a) & (ev.foot_strike <= b)]:
            ax.axvline(x, color=_COLORS[s], lw=1.0, ls="-")
        for x in ev.toe_off[(ev.toe_off >= a) & (ev.toe_off <= b)]:
            ax.axvline(x, color=_COLORS[s], lw=1.0, ls="--")


def fig_events(res: AnalysisResult) -> Any:
    """Events over the force trace (or foot-marker heights without forces)."""
    import matplotlib.pyplot as plt

    a, b = _window(res)
    tr = res.trial
    fig, axes = plt.subplots(2 if tr.plates else 1, 1, figsize=(9, 5 if tr.plates else 2.8),
                             sharex=True, squeeze=False)
    ax = axes[0, 0]
    t = tr.time
    sel = (t >= a) & (t <= b)
    for s in SIDES:
        for key, ls in ((f"heel_{s[0]}", "-"), (f"toe_{s[0]}", ":")):
            if key in res.joint_centres:
                ax.plot(t[sel], res.joint_centres[key][sel, 2] * 100, color=_COLORS[s], ls=ls,
                        lw=1, label=f"{s} {key.split('_')[0]}")
    ax.set_ylabel("marker height (cm)")
    # legend above the axes: inside, it covers the curves
    ax.legend(fontsize=8, ncol=4, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
              borderaxespad=0.2)
    ax.set_title(f"Gait events ({res.events.source})", fontsize=10, loc="left")
    _mark_events(ax, res, a, b)
    if tr.plates:
        ax2 = axes[1, 0]
        tf = tr.force_time
        sf = (tf >= a) & (tf <= b)
        for p in tr.plates:
            lab = p.name + (f" ({p.foot})" if p.foot else "")
            ax2.plot(tf[sf], p.force[sf, 2], lw=1, label=lab)
        ax2.set_ylabel("vertical GRF (N)")
        ax2.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
                   borderaxespad=0.2)
        _mark_events(ax2, res, a, b)
    axes[-1, 0].set_xlabel("time (s) — solid: foot strike, dashed: toe off; "
                           "blue left, red right")
    fig.tight_layout()
    return fig


def fig_com(res: AnalysisResult) -> Any:
    """COM height over time and its sagittal path relative to the pelvis."""
    import matplotlib.pyplot as plt

    a, b = _window(res)
    t = res.trial.time
    sel = (t >= a) & (t <= b)
    c = res.com_filtered
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax1.plot(t[sel], c[sel, 2] * 100, color="k", lw=1.2)
    _mark_events(ax1, res, a, b)
    ax1.set_xlabel("time (s)")
    ax1.set_ylabel("COM height (cm)")
    x = c[sel, 0]
    if res.direction.mode == "treadmill" or np.ptp(x) < 0.5:
        ax2.plot((x - np.nanmean(x)) * 100, c[sel, 2] * 100, color="k", lw=1)
        ax2.set_xlabel("COM X − mean (cm), +X = facing")
    else:
        ax2.plot(x, c[sel, 2] * 100, color="k", lw=1)
        ax2.set_xlabel("COM X (m), +X = facing")
    ax2.set_ylabel("COM height (cm)")
    ax2.set_title("sagittal COM path", fontsize=9)
    fig.tight_layout()
    return fig


def fig_bars(res: AnalysisResult) -> Any:
    """Per-side bars of the main spatiotemporal measures."""
    import matplotlib.pyplot as plt

    st = res.spatiotemporal
    keys = [("contact_time_s", "contact (s)"), ("flight_time_s", "flight (s)"),
            ("step_time_s", "step (s)"), ("step_length_m", "step length (m)")]
    keys = [(k, lab) for k, lab in keys if isinstance(st.get(k), dict)]
    fig, axes = plt.subplots(1, len(keys), figsize=(2.3 * len(keys), 2.8), squeeze=False)
    for ax, (k, lab) in zip(axes[0], keys, strict=True):
        vals = [st[k][s] if st[k][s] is not None else 0.0 for s in SIDES]
        sds = [st[k]["by_side"][s]["sd"] or 0.0 for s in SIDES]
        ax.bar(SIDES, vals, yerr=sds, color=[_COLORS[s] for s in SIDES], capsize=3)
        ax.set_title(lab, fontsize=9)
    fig.tight_layout()
    return fig


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f"<div class='scroll'><table>{cells}</table></div>"


def core_sections(res: AnalysisResult) -> list[ReportSection]:
    """The sections every report has (summary, events, COM, per-side bars)."""
    d = res.to_dict()
    st = d["spatiotemporal"]
    rows = [
        ("trial", d["trial"]["source"]),
        ("synthetic", "YES — " + str(d["trial"]["synthetic_note"]) if d["trial"]["synthetic"]
         else "no"),
        ("marker set", d["trial"]["markerset"]),
        ("direction", f"{d['direction']} ({d['direction_detail']['mode']}, "
                      f"{d['direction_detail']['speed_m_s']} m/s)"),
        ("body mass (kg)", f"{d['body_mass_kg']} ({d['body_mass_source']})"),
        ("events", f"{d['events_source']}: {d['events_method']}"),
        ("cadence (steps/min)", st["cadence_steps_per_min"]),
        ("contact time L / R (s)", f"{st['contact_time_s']['left']} / "
                                   f"{st['contact_time_s']['right']}"),
        ("flight time L / R (s)", f"{st['flight_time_s']['left']} / "
                                  f"{st['flight_time_s']['right']}"),
        ("COM vertical oscillation (m)", d["com"]["vertical_oscillation_m"]["mean"]),
    ]
    if d["events_check"]:
        ec = d["events_check"]
        rows.append(("kinematic vs force events, median |error| (s)",
                     f"strike {ec['foot_strike']['median_abs_error_s']}, "
                     f"toe off {ec['toe_off']['median_abs_error_s']}"))
    if d["com"].get("grf_check"):
        g = d["com"]["grf_check"]
        rows.append(("COM–GRF check (vertical RMS, % BW)", g["rms_error_vertical_pct_bw"]))
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in d["warnings"])
    summary_html = _table(rows) + (f"<h3>Warnings</h3><ul>{warn}</ul>" if warn else "")
    return [
        ReportSection("Summary", html=summary_html),
        ReportSection("Gait events", figures=[fig_events]),
        ReportSection("Centre of mass", figures=[fig_com]),
        ReportSection("Left / right", html="<p class='note'>Mean ± SD over each side's "
                      "cycles; blue left, red right.</p>", figures=[fig_bars]),
    ]


_CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 16px;
color:#222;line-height:1.4;overflow-wrap:break-word}
h1{font-size:1.6em;margin:0 0 .3em}h2{border-bottom:2px solid #1f5fa8;padding-bottom:2px}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f4f4f4;font-weight:600}
.scroll{max-width:100%;overflow-x:auto}svg{max-width:100%;height:auto;display:block}
.note{color:#555;font-size:.9em}
.disclaimer{border:1px solid #a02020;color:#a02020;padding:6px 10px;border-radius:4px;
font-size:.9em}
section{break-inside:avoid-page}
@media (max-width:640px){body{padding:0 10px;margin-top:.8em}h1{font-size:1.3em}
th,td{padding:3px 5px;font-size:.9em}}
@media print{body{max-width:none;margin:0;padding:0}}"""


def render_report(res: AnalysisResult) -> str:
    """The full HTML document (core sections + ``res.report_sections``)."""
    import matplotlib

    matplotlib.use("Agg")
    from retrorun import DISCLAIMER

    parts = []
    for sec in core_sections(res) + list(res.report_sections):
        body = sec.html
        for f in sec.figures:
            try:
                body += figure_svg(f(res))
            except Exception as exc:  # one figure failing must not lose the report
                body += f"<p class='note'>figure failed: {html.escape(str(exc))}</p>"
        parts.append(f"<section><h2>{html.escape(sec.title)}</h2>{body}</section>")
    title = html.escape(Path(str(res.trial.meta.get("source", "trial"))).name)
    synth = ""
    if res.trial.synthetic:
        synth = ("<p class='disclaimer'><b>SYNTHETIC trial</b> — "
                 f"{html.escape(str(res.trial.meta.get('synthetic_note', '')))}</p>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>retrorun analyze — {title}</title><style>{_CSS}</style></head><body>"
            f"<h1>retrorun analyze — {title}</h1>"
            f"<p class='disclaimer'>{html.escape(DISCLAIMER)}</p>{synth}{''.join(parts)}"
            f"<p class='note'>{html.escape(DISCLAIMER)}</p></body></html>")


def write_report(res: AnalysisResult, path: str | Path) -> Path:
    """Write the HTML report atomically to *path*."""
    return write_atomic(path, render_report(res))
