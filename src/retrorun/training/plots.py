"""Progress plots: pain, load and backward minutes over the weeks.

:func:`progress_figure` draws three stacked panels from a
:class:`~retrorun.training.load.ProgressReport` with matplotlib (Agg backend);
:func:`write_png` saves it, :func:`write_html` writes one self-contained HTML page with
the figure as inline SVG and the weekly table (no external files, no scripts).
"""

from __future__ import annotations

import html
import io
from pathlib import Path

from retrorun._atomic import write_atomic
from retrorun.training.load import ACWR_CAVEAT, ProgressReport


def progress_figure(report: ProgressReport, title: str = ""):
    """Matplotlib figure: weekly pain, load (sRPE and forward-equivalent minutes), minutes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    weeks = np.array([w.week for w in report.weeks], dtype=float)
    nan = float("nan")

    def col(attr):
        return np.array(
            [nan if getattr(w, attr) is None else getattr(w, attr) for w in report.weeks],
            dtype=float,
        )

    fig, (ax1, ax2, ax3) = plt.subplots(
        3, 1, figsize=(7.5, 8.0), sharex=True, constrained_layout=True
    )
    ax1.plot(
        weeks, col("mean_pain"), "o-", color="tab:red", label="mean pain (highest per session)"
    )
    ax1.plot(weeks, col("max_pain"), "v--", color="tab:red", alpha=0.5, label="worst pain")
    ax1.plot(weeks, col("mean_morning_pain"), "s:", color="tab:purple", label="next-morning pain")
    ax1.axhspan(0, 3, color="tab:green", alpha=0.08, lw=0)
    ax1.axhspan(3, 5, color="tab:orange", alpha=0.08, lw=0)
    ax1.axhline(5, color="tab:red", lw=0.8, ls="--")
    for y, txt in ((1.5, "0–3 safe"), (4.0, "3–5 acceptable"), (5.4, "> 5 stop the block")):
        ax1.text(0.99, y, txt, transform=ax1.get_yaxis_transform(), ha="right", va="center",
                 fontsize=8, color="0.35")
    ax1.set_ylim(0, 10)
    ax1.set_ylabel("pain (0–10)")
    ax1.legend(loc="upper left", fontsize=8)

    ax2.bar(weeks - 0.2, col("srpe_load"), width=0.4, color="tab:blue", label="sRPE load (AU)")
    ax2.set_ylabel("sRPE load (AU)")
    ax2b = ax2.twinx()
    ax2b.bar(
        weeks + 0.2,
        col("forward_equivalent_minutes"),
        width=0.4,
        color="tab:gray",
        label="forward-equivalent min (×1.3)",
    )
    ax2b.set_ylabel("forward-eq. min")
    for ax, c in ((ax2, col("srpe_load")), (ax2b, col("forward_equivalent_minutes"))):
        top = np.nanmax(c) if np.isfinite(c).any() else 0.0
        ax.set_ylim(0, max(top, 1.0) * 1.4)  # headroom for the legend
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = ax2b.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)

    ax3.bar(weeks - 0.2, col("planned_minutes"), width=0.4, color="lightgray", label="planned")
    ax3.bar(weeks + 0.2, col("backward_minutes"), width=0.4, color="tab:green", label="done")
    top = np.nanmax(np.r_[col("planned_minutes"), col("backward_minutes"), 1.0])
    ax3.set_ylim(0, top * 1.4)
    ax3.set_ylabel("backward min / week")
    ax3.set_xlabel("plan week")
    ax3.set_xticks(weeks)
    ax3.legend(loc="upper left", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def write_png(report: ProgressReport, path: str | Path, title: str = "") -> Path:
    """Save the progress figure as PNG (100 dpi) and return the path."""
    import matplotlib.pyplot as plt

    fig = progress_figure(report, title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return write_atomic(path, buf.getvalue())


def _svg(report: ProgressReport, title: str) -> str:
    import matplotlib.pyplot as plt

    fig = progress_figure(report, title)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def _f(v, fmt="{:.1f}") -> str:
    return "–" if v is None else fmt.format(v)


def write_html(
    report: ProgressReport, path: str | Path, title: str = "", disclaimer: str = ""
) -> Path:
    """Write a self-contained HTML page (inline SVG figure + tables) and return the path."""
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{c}</td>"
            for c in (
                w.week,
                w.start.isoformat(),
                f"{w.planned_minutes:.1f}",
                f"{w.backward_minutes:.1f}",
                f"{w.forward_equivalent_minutes:.1f}",
                f"{w.srpe_load:.0f}",
                _f(w.monotony, "{:.2f}"),
                _f(w.strain, "{:.0f}"),
                _f(w.acwr, "{:.2f}"),
                _f(w.mean_pain),
                _f(w.max_pain, "{}"),
                _f(w.mean_morning_pain),
                f"{w.looks_left}/{w.looks_right}",
            )
        )
        + "</tr>"
        for w in report.weeks
    )
    bands = ", ".join(f"{k}: {v}" for k, v in report.band_counts.items())
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in report.warnings) or "<li>none</li>"
    t = html.escape(title or "retrorun progress")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em;
color:#222;line-height:1.4}}
h2{{border-bottom:2px solid #1f5fa8;padding-bottom:2px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right;
white-space:nowrap;font-size:.92em}}th{{background:#f4f4f4;white-space:normal}}
.scroll{{max-width:100%;overflow-x:auto}}svg{{max-width:100%;height:auto;display:block}}
.note{{color:#555;font-size:90%}}
@media (max-width:640px){{body{{padding:0 10px}}h1{{font-size:1.4em}}}}</style></head><body>
<h1>{t}</h1>
<p>{report.start.isoformat()} to {report.end.isoformat()} (plan weeks; the last one may still
be under way).</p>
{_svg(report, "")}
<h2>Weeks</h2>
<div class="scroll"><table><tr><th>week</th><th>start</th><th>planned min</th><th>done min</th>
<th>fwd-eq min</th><th>sRPE AU</th><th>monotony</th><th>strain</th><th>ACWR</th>
<th>mean pain</th><th>worst</th><th>morning</th><th>looks L/R</th></tr>{rows}</table></div>
<p class="note">Minutes are backward minutes; fwd-eq = forward-equivalent minutes (× 1.3);
sRPE = session RPE × minutes (arbitrary units); pain on 0–10.</p>
<p>Compliance (within 15 % / 15–35 % / beyond): {html.escape(bands)}.
Pain trend: {_f(report.pain_slope_per_week, "{:+.2f}")} points/week.
Looks left/right: {report.looks_left}/{report.looks_right}.</p>
<p class="note">{html.escape(ACWR_CAVEAT)}</p>
<h2>Activity warnings</h2><ul>{warn}</ul>
<p class="note">{html.escape(disclaimer)}</p>
</body></html>
"""
    return write_atomic(path, page)
