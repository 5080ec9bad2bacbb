"""Figures for reports: time-normalised curves (mean ± SD) as inline SVG strings.

matplotlib (Agg) is imported lazily inside the functions.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["curves_figure", "curves_svg", "figure_to_svg"]

#: colours per (condition index, side)
_COLOURS = {("left", 0): "#1f77b4", ("right", 0): "#d62728",
            ("left", 1): "#17becf", ("right", 1): "#ff7f0e"}

#: readable panel titles of the curve keys (others: the key with spaces)
_TITLES = {
    "lever_arm_mm": "knee lever arm of the GRF",
    "kam_lever_pct": "knee adduction moment (lever arm)",
    "kam_id_pct": "knee adduction moment (inverse dyn.)",
    "kfm_id_pct": "knee flexion moment (inverse dyn.)",
    "kam_lever_nm_per_kg": "knee adduction moment (lever arm)",
    "kam_id_nm_per_kg": "knee adduction moment (inverse dyn.)",
}


def curves_svg(panels: list[tuple[str, str]], conditions: dict[str, dict[str, Any]],
               *, phase: str = "stride") -> str:
    """:func:`curves_figure` rendered as an inline SVG string ("" when nothing to draw)."""
    fig = curves_figure(panels, conditions, phase=phase)
    return "" if fig is None else figure_to_svg(fig)


def figure_to_svg(fig: Any) -> str:
    """Render and close a matplotlib figure; returns the ``<svg>`` element."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.find("<svg"):]


def curves_figure(
    panels: list[tuple[str, str]],
    conditions: dict[str, dict[str, Any]],
    *,
    phase: str = "stride",
    sides: tuple[str, ...] = ("left", "right"),
    ncols: int = 3,
) -> Any:
    """Grid of curves (a matplotlib Figure, or None).

    Each panel overlays every condition × side (mean line, ±SD band).

    Parameters
    ----------
    panels : list of (curve key, y-axis label), e.g. ``("knee_flexion", "deg")``.
    conditions : label → ``mechanics`` section (with ``curves[phase][key][side]``).
    phase : "stride" or "stance" (x axis: % of the cycle).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def drawn(key: str, mech: dict[str, Any], side: str) -> bool:
        c = mech.get("curves", {}).get(phase, {}).get(key, {}).get(side)
        return bool(c) and c.get("n", 0) > 0 and any(v is not None for v in c["mean"])

    # a panel without a single curve (e.g. a model without knee adduction) is left out
    panels = [p for p in panels
              if any(drawn(p[0], c, s) for c in conditions.values() for s in sides)]
    if not panels:
        return None
    ncols = 2 if len(panels) == 4 else min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows + 0.4),
                             squeeze=False)
    x = np.linspace(0, 100, 101)
    linestyles = ["-", "--"]
    legend: dict[str, Any] = {}
    for ax, (key, unit) in zip(axes.flat, panels, strict=False):
        ns = []
        for ci, (label, mech) in enumerate(conditions.items()):
            per_side = mech.get("curves", {}).get(phase, {}).get(key, {})
            for side in sides:
                if not drawn(key, mech, side):
                    continue
                c = per_side[side]
                m = np.array([np.nan if v is None else v for v in c["mean"]], float)
                sd = np.array([np.nan if v is None else v for v in c["sd"]], float)
                col = _COLOURS[(side, min(ci, 1))]
                name = side if len(conditions) == 1 else f"{label} {side}"
                (line,) = ax.plot(x, m, linestyles[min(ci, 1)], color=col, lw=1.5)
                ax.fill_between(x, m - sd, m + sd, color=col, alpha=0.15, lw=0)
                legend.setdefault(name, line)
                ns.append(f"{side[0].upper()} {c['n']}")
        title = _TITLES.get(key, key.replace("_", " "))
        if len(conditions) == 1 and ns:  # n of cycles per side; the compare table has both
            title += f"  (n: {', '.join(ns)})"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"% {phase} (0 = foot strike)", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.axhline(0, color="0.7", lw=0.5)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    # one legend for the whole grid, above it, instead of one over the curves of every panel
    fig.legend(list(legend.values()), list(legend.keys()), loc="upper center",
               ncol=min(len(legend), 4), fontsize=9, frameon=False,
               title="mean ± SD band", title_fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.55 / fig.get_figheight()))
    return fig
