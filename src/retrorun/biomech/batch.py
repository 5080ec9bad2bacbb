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

Label columns from a metadata file (``subject``, ``condition``, ...) follow these.
A failing trial is recorded (level "failure") and skipped; it never stops the batch.
Files whose name ends in ``static`` are the static trials of the dynamic trials sharing
their name prefix; ``*grf*.mot/.sto`` files are the ground reaction forces of the
``.trc``/``.mot`` trial sharing the longest name prefix (e.g. Hamner's
``Run_30002_IK_Original.mot`` + ``Run_30002_GRF_newCOP3_v24.mot``).
pandas/pyarrow/dask come from the ``lab`` extra and are imported lazily.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BatchResult", "analyze_file", "find_trials", "load_metadata", "metadata_for",
           "rows_from_mechanics", "run_batch"]

COLUMNS = ["file", "level", "side", "cycle", "metric", "value", "note"]


def find_trials(folder: str | Path, pattern: str = "*.c3d") -> list[Path]:
    """Trial files under *folder* matching *pattern* (recursive), static trials excluded."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"batch folder not found: {root}")
    return sorted(p for p in root.rglob(pattern)
                  if p.is_file() and not p.stem.lower().endswith("static")
                  and not _is_grf_file(p))


def _is_grf_file(path: Path) -> bool:
    """OpenSim GRF tables (``*grf*.mot/.sto``) are force files of a marker trial."""
    return path.suffix.lower() in (".mot", ".sto") and "grf" in path.stem.lower()


def _grf_for(path: Path) -> Path | None:
    """A GRF ``.mot``/``.sto`` next to a ``.trc``/``.mot`` trial sharing the longest name
    prefix with it, at least 4 characters (``Run_30002_IK.mot`` →
    ``Run_30002_GRF.mot``)."""
    if path.suffix.lower() not in (".trc", ".mot", ".sto") or _is_grf_file(path):
        return None
    best, best_len = None, 3
    for cand in path.parent.iterdir():
        if cand == path or not cand.is_file() or not _is_grf_file(cand):
            continue
        a, b = cand.stem.lower(), path.stem.lower()
        n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                 min(len(a), len(b)))
        if n > best_len:
            best, best_len = cand, n
    return best


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


#: metadata keys used by the analysis (numbers); any other key is a label column
META_NUMERIC = {"mass": "body mass, kg", "height": "stature, m",
                "tibial_torsion_left": "deg", "tibial_torsion_right": "deg",
                "knee_width_left": "mm", "knee_width_right": "mm"}


def load_metadata(path: str | Path) -> dict[str, dict[str, Any]]:
    """Per-trial metadata from a CSV or TOML file: file name → {key: value}.

    CSV: a header row with a ``file`` column and any of ``mass`` (kg), ``height`` (m),
    ``sex`` (male/female), ``tibial_torsion_left``/``_right`` (deg), ``knee_width_left``/
    ``_right`` (mm) and free label columns
    (``subject``, ``condition`` = forward/backward/pre/post, ...). TOML: one table per
    file, ``["RBDS001runT35.c3d"] mass = 62.0  condition = "forward"``. File names match
    the trial's path relative to the batch folder or its bare name.

    Raises ``ValueError`` naming the file, row and field on a bad value.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p}: cannot read metadata ({exc})") from None
    out: dict[str, dict[str, Any]] = {}
    if p.suffix.lower() == ".toml":
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{p}: not valid TOML ({exc})") from None
        rows = [(k, v) for k, v in doc.items()]
        for k, v in rows:
            if not isinstance(v, dict):
                raise ValueError(f"{p}: [{k}] must be a table of metadata")
        items = [(str(k), dict(v)) for k, v in rows]
    else:
        import csv
        import io

        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ValueError(f"{p}: CSV metadata needs a 'file' column")
        items = []
        for i, row in enumerate(reader, start=2):
            f = (row.pop("file") or "").strip()
            if not f:
                raise ValueError(f"{p}: row {i}: empty 'file'")
            items.append((f, {k.strip(): (v or "").strip() for k, v in row.items()
                              if k is not None and (v or "").strip()}))
    for f, meta in items:
        clean: dict[str, Any] = {}
        for k, v in meta.items():
            if k in META_NUMERIC:
                try:
                    x = float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"{p}: {f}: {k} = {v!r} is not a number "
                                     f"({META_NUMERIC[k]})") from None
                if k in ("mass", "height") and not x > 0:
                    raise ValueError(f"{p}: {f}: {k} must be positive")
                from retrorun.biomech.jointcentres import KNEE_WIDTH_RANGE_MM

                lo, hi = KNEE_WIDTH_RANGE_MM
                if k.startswith("knee_width") and not lo <= x <= hi:
                    raise ValueError(f"{p}: {f}: {k} = {v} mm is outside {lo:g}..{hi:g} mm (a "
                                     "knee width, not a circumference?)")
                clean[k] = x
            elif k == "sex":
                if str(v) not in ("male", "female"):
                    raise ValueError(f"{p}: {f}: sex must be male or female, not {v!r}")
                clean[k] = str(v)
            else:
                clean[k] = str(v)
        out[f] = clean
    return out


def metadata_for(meta: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """Metadata of trial *name* (relative path or bare file name), ``{}`` if none."""
    return dict(meta.get(name) or meta.get(Path(name).name) or {})


def analyze_file(path: str | Path, name: str | None = None,
                 meta: dict[str, Any] | None = None) -> list[tuple]:
    """Load and analyse one trial; returns tidy rows, or one "failure" row (never raises).

    *meta* (see :func:`load_metadata`): ``mass``, ``height``, ``sex``,
    ``tibial_torsion_left/right``, ``knee_width_left/right`` go to the analysis; other keys
    are labels added as
    extra columns to every row.
    """
    p = Path(path)
    name = name or p.name
    meta = dict(meta or {})
    labels = tuple(sorted((k, str(v)) for k, v in meta.items()
                          if k not in META_NUMERIC and k != "sex"))
    try:
        rows = _analyze_rows(p, name, meta)
    except Exception as exc:  # a bad trial must never stop the batch
        msg = f"{type(exc).__name__}: {exc}"
        if not str(exc):
            msg += " | " + traceback.format_exc(limit=2).replace("\n", " ")
        rows = [(name, "failure", "", -1, "error", float("nan"), msg)]
    return [(*r, labels) for r in rows]


def _analyze_rows(p: Path, name: str, meta: dict[str, Any]) -> list[tuple]:
    from retrorun.biomech import load_trial
    from retrorun.biomech.analysis import analyze_trial

    static = _static_for(p)
    trial = load_trial(p, static=static, grf=_grf_for(p))
    torsion = {s: meta[f"tibial_torsion_{s}"] for s in ("left", "right")
               if f"tibial_torsion_{s}" in meta}
    knee = {s: meta[f"knee_width_{s}"] / 1000.0 for s in ("left", "right")
            if f"knee_width_{s}" in meta}
    res = analyze_trial(trial, mass=meta.get("mass"), stature=meta.get("height"),
                        sex=meta.get("sex", "male"), tibial_torsion=torsion or None,
                        knee_width=knee or None)
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
    metadata: dict[str, dict[str, Any]] | None = None,
    defaults: dict[str, Any] | None = None,
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
    metadata : per-trial metadata (:func:`load_metadata`); trials not listed get
        *defaults* (e.g. ``{"mass": 70.0, "height": 1.75}`` from ``--mass/--height``).
        Label keys become extra string columns of the table (empty when not given).
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
        futures = {client.submit(analyze_file, str(p), n,
                                 {**(defaults or {}), **metadata_for(metadata or {}, n)},
                                 pure=False): n
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
                            f"{type(exc).__name__}: {exc}", ())]
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
    label_cols = sorted({k for r in rows for k, _ in r[7]})
    table = pd.DataFrame([r[:7] for r in rows], columns=COLUMNS)
    for col in label_cols:
        table[col] = [dict(r[7]).get(col, "") for r in rows]
    table = table.sort_values(["file", "level", "side", "metric", "cycle"], kind="stable")
    return BatchResult(table.reset_index(drop=True), failures, len(paths))
