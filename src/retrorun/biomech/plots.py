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

    panels = [p for p in panels
              if any(p[0] in c.get("curves", {}).get(phase, {}) for c in conditions.values())]
    if not panels:
        return None
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), squeeze=False)
    x = np.linspace(0, 100, 101)
    linestyles = ["-", "--"]
    for ax, (key, unit) in zip(axes.flat, panels, strict=False):
        for ci, (label, mech) in enumerate(conditions.items()):
            per_side = mech.get("curves", {}).get(phase, {}).get(key, {})
            for side in sides:
                c = per_side.get(side)
                if not c or c.get("n", 0) == 0:
                    continue
                m = np.array([np.nan if v is None else v for v in c["mean"]], float)
                sd = np.array([np.nan if v is None else v for v in c["sd"]], float)
                col = _COLOURS[(side, min(ci, 1))]
                name = f"{side} (n={c['n']})" if len(conditions) == 1 else f"{label} {side}"
                ax.plot(x, m, linestyles[min(ci, 1)], color=col, lw=1.5, label=name)
                ax.fill_between(x, m - sd, m + sd, color=col, alpha=0.15, lw=0)
        ax.set_title(key.replace("_", " "), fontsize=10)
        ax.set_xlabel(f"% {phase}", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.axhline(0, color="0.7", lw=0.5)
        ax.tick_params(labelsize=7)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
