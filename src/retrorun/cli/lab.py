"""``retrorun compare`` and ``retrorun batch``: lab commands for many trials.

Only Typer, rich and the standard library are imported here; numpy, scipy, pandas, dask
and matplotlib are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_OUT = Path("retrorun_batch.parquet")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: file not found")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{path}: not a JSON file ({exc})")
    if not isinstance(data, dict):
        _fail(f"{path}: expected a JSON object (retrorun analyze --json output)")
    return data


def _atomic_write(path: Path, text: str) -> None:
    from retrorun._atomic import write_atomic

    write_atomic(path, text)


def register(app: typer.Typer) -> None:
    """Add ``compare`` and ``batch`` to *app*."""

    @app.command("compare")
    def compare(
        a: Annotated[Path, typer.Argument(help="First analyze JSON (forward, or before).")],
        b: Annotated[Path, typer.Argument(help="Second analyze JSON (backward, or after).")],
        html_out: Annotated[Path | None, typer.Option(
            "--html", help="Write an HTML page with both conditions' curves overlaid.")] = None,
        json_out: Annotated[Path | None, typer.Option(
            "--json", help="Write the statistics as JSON.")] = None,
        paired: Annotated[bool, typer.Option(
            "--paired", help="Pair stride i of A with stride i of B (same protocol "
            "before/after); default unpaired.")] = False,
        label_a: Annotated[str | None, typer.Option(
            "--label-a", help="Name of A in outputs.")] = None,
        label_b: Annotated[str | None, typer.Option(
            "--label-b", help="Name of B in outputs.")] = None,
        seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    ) -> None:
        """Compare two analysed trials stride by stride (difference B − A, 95 % CIs,
        Hedges' g) — forward vs backward, or before vs after a training block."""
        da, db = _read_json(a), _read_json(b)
        from retrorun.biomech.compare import compare_analyses, mechanics_of

        try:
            ma, mb = mechanics_of(da), mechanics_of(db)
        except ValueError as exc:
            _fail(f"{a if 'mechanics' not in da else b}: {exc}")

        def _label(doc: dict, path: Path, given: str | None) -> str:
            if given:
                return given
            d = doc.get("direction")
            return f"{path.stem} ({d})" if d else path.stem

        la, lb = _label(da, a, label_a), _label(db, b, label_b)
        if la == lb:
            la, lb = f"A: {la}", f"B: {lb}"
        res = compare_analyses(ma, mb, paired=paired, labels=(la, lb), seed=seed)
        if json_out is not None:
            _atomic_write(json_out, json.dumps(res, indent=2, allow_nan=False) + "\n")
        if html_out is not None:
            from retrorun.biomech.mechanics_report import comparison_html

            notes = [f"{lab}: SYNTHETIC trial — {d['trial'].get('synthetic_note') or ''}"
                     for lab, d in ((la, da), (lb, db)) if d.get("trial", {}).get("synthetic")]
            _atomic_write(html_out, comparison_html(res, ma, mb, notes))
        from rich.console import Console
        from rich.table import Table

        key = ["knee_adduction_peak_deg", "knee_flexion_peak_deg",
               "knee_internal_rotation_range_deg", "hip_adduction_peak_deg",
               "hip_internal_rotation_range_deg", "lever_arm_mean_mm", "kam_lever_peak_pct",
               "kam_id_peak_pct", "stance_time_s"]
        t = Table(title=f"{lb} − {la} ({'paired' if paired else 'unpaired'})")
        for c in ("metric", "side", "n A/B", "mean A", "mean B", "diff", "95 % CI", "g"):
            t.add_column(c)
        f = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        for m in key:
            for side, s in res["metrics"].get(m, {}).items():
                ci = s.get("ci_t") or [None, None]
                t.add_row(m, side, f"{s['n_a']}/{s['n_b']}", f(s["mean_a"]), f(s["mean_b"]),
                          f(s["difference"]), f"{f(ci[0])} … {f(ci[1])}", f(s["hedges_g"]))
        Console(width=130).print(t)
        for line in res["summary"][:10]:
            typer.echo(f"* {line}")
        outs = [str(p) for p in (json_out, html_out) if p is not None]
        if outs:
            typer.echo("wrote " + " and ".join(outs))

    @app.command("batch")
    def batch(
        folder: Annotated[Path, typer.Argument(help="Folder of trials (searched recursively).")],
        out: Annotated[Path, typer.Option(
            "--out", help="Output table: .parquet or .csv (one tidy long table).")
        ] = DEFAULT_OUT,
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a "
            "local cluster.")] = None,
        workers: Annotated[int, typer.Option(
            "--workers", min=1, help="Local Dask workers.")] = 2,
        pattern: Annotated[str, typer.Option(
            "--pattern", help="File pattern, e.g. '*.c3d' or '*.trc'. Files whose name ends "
            "in 'static' are used as static trials, not analysed.")] = "*.c3d",
        threads: Annotated[bool, typer.Option(
            "--threads", help="Local workers as threads instead of processes.")] = False,
        mass: Annotated[float | None, typer.Option(
            "--mass", min=1.0, help="Body mass, kg, for trials the metadata does not list "
            "(overground force data cannot give it).")] = None,
        height: Annotated[float | None, typer.Option(
            "--height", min=0.5, max=2.5, help="Stature, m, for trials the metadata does "
            "not list.")] = None,
        metadata: Annotated[Path | None, typer.Option(
            "--metadata", help="CSV (column 'file' + mass, height, sex, "
            "tibial_torsion_left/right, labels such as subject, condition) or TOML (one "
            "table per file). Label columns are copied into the table.")] = None,
    ) -> None:
        """Analyse every trial in FOLDER on Dask into one tidy table of per-trial and
        per-stride metrics. A failing trial is reported and skipped."""
        if not folder.is_dir():
            _fail(f"{folder}: not a folder")
        if out.suffix.lower() not in (".parquet", ".pq", ".csv"):
            _fail(f"--out {out}: use a .parquet or .csv file name")
        from retrorun.biomech.batch import find_trials, load_metadata, run_batch

        meta = None
        if metadata is not None:
            try:
                meta = load_metadata(metadata)
            except ValueError as exc:
                _fail(str(exc))
        defaults = {k: v for k, v in (("mass", mass), ("height", height)) if v is not None}

        paths = find_trials(folder, pattern)
        if not paths:
            _fail(f"{folder}: no files match {pattern!r}")
        if meta is not None:
            names = {str(p.relative_to(folder)) for p in paths} | {p.name for p in paths}
            unknown = sorted(set(meta) - names)
            if unknown:
                typer.echo(f"warning: {metadata}: no trial file for {', '.join(unknown)}",
                           err=True)
        res = run_batch(paths, scheduler=scheduler, workers=workers, processes=not threads,
                        root=folder, metadata=meta, defaults=defaults)
        res.write(out)
        ok = res.n_trials - len(res.failures)
        typer.echo(f"{ok}/{res.n_trials} trials analysed, {len(res.table)} rows -> {out}")
        for name, msg in res.failures:
            typer.echo(f"skipped {name}: {msg}", err=True)
