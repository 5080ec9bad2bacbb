"""Compare two analysed trials (forward vs backward, before vs after): per-stride statistics.

Input is two ``retrorun analyze`` JSON documents (or their ``mechanics`` sections). For each
per-stride metric and side the difference **B − A** is reported with

* mean difference and a t-based 95 % CI (Welch for unpaired, paired t for paired),
* a seeded, vectorised percentile-bootstrap 95 % CI (default 5000 resamples),
* Hedges' g (unpaired: pooled SD; paired: g_z = mean diff / SD of diffs), both with the
  small-sample correction J = 1 − 3 / (4·df − 1),
* the two-sided p-value of the matching t-test (scipy.stats).

Paired mode pairs stride *i* of A with stride *i* of B (truncating to the shorter list):
use it only when strides correspond (e.g. the same protocol before/after). The default is
unpaired.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["compare_analyses", "compare_samples", "hedges_g", "mechanics_of", "metric_label"]

SIDES = ("left", "right")


def hedges_g(a: np.ndarray, b: np.ndarray, *, paired: bool = False) -> float:
    """Hedges' g for B − A (NaN when undefined)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if paired:
        d = b - a
        n = d.size
        if n < 2:
            return float("nan")
        sd = d.std(ddof=1)
        if sd == 0:
            return float("nan")
        df = n - 1
        return float((1 - 3 / (4 * df - 1)) * d.mean() / sd)
    na, nb = a.size, b.size
    if na < 2 or nb < 2:
        return float("nan")
    df = na + nb - 2
    sp = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / df)
    if sp == 0:
        return float("nan")
    return float((1 - 3 / (4 * df - 1)) * (b.mean() - a.mean()) / sp)


def _bootstrap_ci(a: np.ndarray, b: np.ndarray, paired: bool, n_boot: int, seed: int,
                  level: float) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    if paired:
        d = b - a
        idx = rng.integers(0, d.size, size=(n_boot, d.size))
        stats = d[idx].mean(axis=1)
    else:
        ia = rng.integers(0, a.size, size=(n_boot, a.size))
        ib = rng.integers(0, b.size, size=(n_boot, b.size))
        stats = b[ib].mean(axis=1) - a[ia].mean(axis=1)
    q = 100 * (1 - level) / 2
    lo, hi = np.percentile(stats, [q, 100 - q])
    return float(lo), float(hi)


def compare_samples(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    *,
    paired: bool = False,
    n_boot: int = 5000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Statistics of B − A for one metric (NaNs dropped; paired drops incomplete pairs).

    Returns a JSON-friendly dict: ``n_a``, ``n_b``, ``mean_a``, ``mean_b``, ``sd_a``,
    ``sd_b``, ``difference``, ``ci_t`` [lo, hi], ``ci_bootstrap`` [lo, hi], ``hedges_g``,
    ``p_value``, ``test``. Values that cannot be computed are ``None``.
    """
    from scipy import stats

    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if paired:
        n = min(a.size, b.size)
        a, b = a[:n], b[:n]
        ok = ~(np.isnan(a) | np.isnan(b))
        a, b = a[ok], b[ok]
    else:
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    out: dict[str, Any] = {"n_a": int(a.size), "n_b": int(b.size), "paired": paired}
    j = lambda v: None if v is None or not np.isfinite(v) else float(v)  # noqa: E731
    out["mean_a"] = j(a.mean()) if a.size else None
    out["mean_b"] = j(b.mean()) if b.size else None
    out["sd_a"] = j(a.std(ddof=1)) if a.size > 1 else None
    out["sd_b"] = j(b.std(ddof=1)) if b.size > 1 else None
    out["difference"] = j(b.mean() - a.mean()) if a.size and b.size else None
    out["ci_t"] = out["ci_bootstrap"] = None
    out["hedges_g"] = j(hedges_g(a, b, paired=paired))
    out["p_value"] = None
    if paired and a.size >= 2:
        d = b - a
        se = d.std(ddof=1) / np.sqrt(d.size)
        tq = stats.t.ppf(0.5 + level / 2, d.size - 1)
        out["ci_t"] = [j(d.mean() - tq * se), j(d.mean() + tq * se)]
        if se > 0:
            out["p_value"] = j(stats.ttest_rel(b, a).pvalue)
        out["test"] = "paired t"
        out["ci_bootstrap"] = list(_bootstrap_ci(a, b, True, n_boot, seed, level))
    elif not paired and a.size >= 2 and b.size >= 2:
        va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        se = np.sqrt(va + vb)
        if se > 0:
            df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
            tq = stats.t.ppf(0.5 + level / 2, df)
            diff = b.mean() - a.mean()
            out["ci_t"] = [j(diff - tq * se), j(diff + tq * se)]
            out["p_value"] = j(stats.ttest_ind(b, a, equal_var=False).pvalue)
        out["test"] = "Welch t"
        out["ci_bootstrap"] = list(_bootstrap_ci(a, b, False, n_boot, seed, level))
    else:
        out["test"] = "too few strides"
    return out


def mechanics_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``mechanics.joints`` section of an analyze JSON (or *doc* itself if it is one)."""
    if "per_stride" in doc:
        return doc
    mech = doc.get("mechanics")
    if isinstance(mech, dict) and isinstance(mech.get("joints"), dict):
        mech = mech["joints"]
    if not isinstance(mech, dict) or "per_stride" not in mech:
        raise ValueError("no 'mechanics.per_stride' section: analyse the trial with retrorun "
                         "analyze (with marker data) first")
    return mech


# per-stride metric name suffix → unit shown after the numbers (longest suffix first)
_UNITS = (("_nm_per_kg", "N·m/kg"), ("_deg", "deg"), ("_pct", "%BW·Ht"), ("_mm", "mm"),
          ("_nm", "N·m"), ("_s", "s"), ("_m", "m"))


def metric_label(metric: str) -> tuple[str, str]:
    """Readable name and unit of a per-stride metric key.

    ``"ankle_dorsiflexion_at_strike_deg"`` → ``("ankle dorsiflexion at strike", "deg")``;
    keys without a known unit suffix give an empty unit.
    """
    for suffix, unit in _UNITS:
        if metric.endswith(suffix):
            return metric[: -len(suffix)].replace("_", " "), unit
    return metric.replace("_", " "), ""


def compare_analyses(
    a: dict[str, Any],
    b: dict[str, Any],
    *,
    paired: bool = False,
    labels: tuple[str, str] = ("A", "B"),
    n_boot: int = 5000,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare every per-stride metric the two analyses share, per side.

    Returns ``{"labels", "paired", "metrics": {metric: {side: stats}}, "summary": [...]}``
    where ``summary`` lists plain sentences for the metrics with a CI excluding zero.
    """
    ma, mb = mechanics_of(a), mechanics_of(b)
    res: dict[str, dict[str, Any]] = {}
    for side in SIDES:
        pa, pb = ma["per_stride"].get(side, {}), mb["per_stride"].get(side, {})
        for metric in sorted(set(pa) & set(pb)):
            if metric.endswith("_start_s"):
                continue
            va = np.array([np.nan if v is None else v for v in pa[metric]], float)
            vb = np.array([np.nan if v is None else v for v in pb[metric]], float)
            res.setdefault(metric, {})[side] = compare_samples(
                va, vb, paired=paired, n_boot=n_boot, seed=seed)
    summary = []
    for metric, sides in res.items():
        for side, s in sides.items():
            ci = s.get("ci_t")
            if ci and None not in ci and (ci[0] > 0 or ci[1] < 0):
                name, unit = metric_label(metric)
                u = f" {unit}" if unit else ""
                summary.append(
                    f"{side} {name}: {labels[1]} − {labels[0]} = "
                    f"{s['difference']:+.2f}{u} (95 % CI {ci[0]:+.2f} to {ci[1]:+.2f}{u}, "
                    f"g = {s['hedges_g']:+.2f})"
                )
    return {"labels": list(labels), "paired": paired, "metrics": res, "summary": summary}
