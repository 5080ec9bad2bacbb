"""Analyse many trials in parallel on Dask into one tidy table.

:func:`run_batch` submits one task per trial file to a Dask distributed scheduler — a
``LocalCluster`` of processes by default, or an existing scheduler given by address
(``tcp://host:8786``) — shows a rich progress bar, and gathers **one long (tidy) table**:

======  =====================================================================
column  meaning
======  =====================================================================
file    trial file name (relative to the batch folder when given)
level   "trial" (one value per trial), "stride" (one per stance/stride), or
        "failure" (the trial could not be analysed; ``note`` has the error)
side    "left" / "right" / "" (trial-level values without a side)
cycle   stride index within the side (0, 1, ...), -1 for trial level
metric  metric name, units in the suffix (``_deg``, ``_mm``, ``_pct`` = %BW·Ht, ``_s``)
value   float
note    free text (error messages)
======  =====================================================================

A failing trial is recorded (level "failure") and skipped; it never stops the batch.
pandas/pyarrow/dask come from the ``lab`` extra and are imported lazily.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BatchResult", "analyze_file", "find_trials", "rows_from_mechanics", "run_batch"]

COLUMNS = ["file", "level", "side", "cycle", "metric", "value", "note"]


def find_trials(folder: str | Path, pattern: str = "*.c3d") -> list[Path]:
    """Trial files under *folder* matching *pattern* (recursive), static trials excluded."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"batch folder not found: {root}")
    return sorted(p for p in root.rglob(pattern)
                  if p.is_file() and not p.stem.lower().endswith("static"))


def _static_for(path: Path) -> Path | None:
    """A static trial next to *path* sharing its name prefix (``RBDS001runT35`` →
    ``RBDS001static``; ``X_run`` → ``X_static``)."""
    best, best_len = None, 3
    for cand in path.parent.glob(f"*static{path.suffix}"):
        stem = cand.stem.lower()[: -len("static")].rstrip("_-. ")
        if stem and path.stem.lower().startswith(stem) and len(stem) > best_len:
            best, best_len = cand, len(stem)
    return best


def rows_from_mechanics(name: str, mech: dict[str, Any], extra: dict[str, Any] | None = None
                        ) -> list[tuple]:
    """Tidy rows (see module docstring) from a ``mechanics`` section."""
    rows: list[tuple] = []
    for k, v in (extra or {}).items():
        if isinstance(v, int | float) and v is not None:
            rows.append((name, "trial", "", -1, k, float(v), ""))
    for key, chk in mech.get("checks", {}).items():
        side = key.rsplit("_", 1)[-1]
        for k in ("rms_diff", "rms_diff_pct_peak", "r"):
            if isinstance(chk.get(k), float):
                rows.append((name, "trial", side, -1, f"kam_lever_vs_id_{k}", chk[k], ""))
    for metric, a in mech.get("asymmetry", {}).items():
        si = a.get("symmetry_index_pct")
        if si is not None:
            rows.append((name, "trial", "", -1, f"si_{metric}", float(si), ""))
    for side, metrics in mech.get("per_stride", {}).items():
        for metric, values in metrics.items():
            for i, v in enumerate(values):
                if v is not None:
                    rows.append((name, "stride", side, i, metric, float(v), ""))
    # stance metrics: cycle i = i-th stance; "stride_*" metrics: cycle i = i-th stride
    return rows


def analyze_file(path: str | Path, name: str | None = None) -> list[tuple]:
    """Load and analyse one trial; returns tidy rows, or one "failure" row (never raises)."""
    p = Path(path)
    name = name or p.name
    try:
        from retrorun.biomech import load_trial
        from retrorun.biomech.analysis import analyze_trial

        static = _static_for(p)
        trial = load_trial(p, static=static)
        res = analyze_trial(trial)
        doc = res.to_dict()
        mech = doc["mechanics"].get("joints")
        if mech is None:
            raise RuntimeError("; ".join(res.warnings) or "joint mechanics step did not run")
        st = doc.get("spatiotemporal", {})
        extra = {
            "duration_s": trial.duration,
            "body_mass_kg": doc.get("body_mass_kg"),
            "cadence_steps_per_min": st.get("cadence_steps_per_min"),
            "speed_m_s": st.get("speed_m_s"),
            "backward": 1.0 if doc.get("direction") == "backward" else 0.0,
            "n_stance_left": len(mech["cycles"].get("stance_l", [])),
            "n_stance_right": len(mech["cycles"].get("stance_r", [])),
        }
        return rows_from_mechanics(name, mech, extra)
    except Exception as exc:  # a bad trial must never stop the batch
        msg = f"{type(exc).__name__}: {exc}"
        if not str(exc):
            msg += " | " + traceback.format_exc(limit=2).replace("\n", " ")
        return [(name, "failure", "", -1, "error", float("nan"), msg)]


@dataclass
class BatchResult:
    """Output of :func:`run_batch`: the tidy ``table`` (pandas DataFrame) and failures."""

    table: Any
    failures: list[tuple[str, str]] = field(default_factory=list)
    n_trials: int = 0

    def write(self, out: str | Path) -> Path:
        """Write the table as Parquet (``.parquet``) or CSV (anything else)."""
        p = Path(out)
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.suffix.lower() in (".parquet", ".pq"):
            self.table.to_parquet(p, index=False)
        else:
            self.table.to_csv(p, index=False)
        return p


def run_batch(
    paths: list[str | Path],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    progress: bool = True,
    root: str | Path | None = None,
    client: Any = None,
) -> BatchResult:
    """Analyse *paths* on Dask and gather one tidy table.

    Parameters
    ----------
    paths : trial files.
    scheduler : address of a running Dask scheduler (``tcp://...``); default: start a
        ``LocalCluster``.
    workers : number of local workers (default 2; ignored with *scheduler*).
    processes : local workers as processes (default) or threads (faster start in tests).
    progress : show a rich progress bar.
    root : folder that file names in the table are made relative to.
    client : an existing ``dask.distributed.Client`` to reuse (benchmarks, tests).
    """
    import pandas as pd
    from dask.distributed import Client, LocalCluster, as_completed

    paths = [Path(p) for p in paths]
    names = [str(p.relative_to(root)) if root else p.name for p in paths]
    own_cluster = own_client = None
    if client is None:
        if scheduler:
            client = own_client = Client(scheduler)
        else:
            own_cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                                       processes=processes, dashboard_address=None)
            client = own_client = Client(own_cluster)
    rows: list[tuple] = []
    failures: list[tuple[str, str]] = []
    try:
        futures = {client.submit(analyze_file, str(p), n, pure=False): n
                   for p, n in zip(paths, names, strict=True)}
        bar = None
        if progress:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            bar = Progress("[progress.description]{task.description}", BarColumn(),
                           MofNCompleteColumn(), TimeElapsedColumn(), transient=False)
            bar.start()
            task = bar.add_task("analysing trials", total=len(futures))
        try:
            for fut in as_completed(futures):
                name = futures[fut]
                try:
                    got = fut.result()
                except Exception as exc:  # worker died etc.
                    got = [(name, "failure", "", -1, "error", float("nan"),
                            f"{type(exc).__name__}: {exc}")]
                for r in got:
                    if r[1] == "failure":
                        failures.append((r[0], r[6]))
                rows.extend(got)
                if bar is not None:
                    bar.advance(task)
        finally:
            if bar is not None:
                bar.stop()
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = table.sort_values(["file", "level", "side", "metric", "cycle"], kind="stable")
    return BatchResult(table.reset_index(drop=True), failures, len(paths))
