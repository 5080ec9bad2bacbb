"""``retrorun analyze``: events, spatiotemporal measures and centre of mass of a trial.

Only Typer and the standard library are imported here; numpy, ezc3d, scipy and
matplotlib are imported inside the command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _write_json(path: Path, data: dict) -> None:
    from retrorun._atomic import write_atomic

    write_atomic(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to *app*."""

    @app.command("analyze")
    def analyze(
        trial: Annotated[Path, typer.Argument(help="Trial file: .c3d, .trc, or .mot/.sto "
                                              "with <MARKER>_tx/_ty/_tz columns.")],
        static: Annotated[Path | None, typer.Option(
            "--static", help="Static calibration trial (landmarks for cluster sets).")] = None,
        grf: Annotated[Path | None, typer.Option(
            "--grf", help="GRF .mot (OpenSim) for a .trc/.mot trial.")] = None,
        mass: Annotated[float | None, typer.Option(
            "--mass", min=1.0, help="Body mass, kg (used when forces cannot give it).")] = None,
        no_forces: Annotated[bool, typer.Option(
            "--no-forces", help="Events from kinematics alone, even with force data.")] = False,
        json_out: Annotated[Path | None, typer.Option(
            "--json", help="Write the JSON result here (stdout when omitted).")] = None,
        html_out: Annotated[Path | None, typer.Option(
            "--html", help="Write a self-contained HTML report.")] = None,
        mapping: Annotated[Path | None, typer.Option(
            "--mapping", help="Marker-set mapping (JSON/TOML) overriding detection.")] = None,
        sex: Annotated[str, typer.Option("--sex", help="de Leva table: male or female.")
                       ] = "male",
        height: Annotated[float | None, typer.Option(
            "--height", help="Stature, m (estimated from the legs when omitted).")] = None,
        tibial_torsion: Annotated[str | None, typer.Option(
            "--tibial-torsion", help="External tibial torsion LEFT,RIGHT in degrees (e.g. "
            "'18,25'); removed from knee rotation. Default: the C3D's Plug-in Gait value, "
            "else measured on the static trial, else none.")] = None,
        knee_width: Annotated[str | None, typer.Option(
            "--knee-width", help="Knee width (epicondyles), mm: one value or LEFT,RIGHT "
            "(e.g. '108,110'); places the knee centre of marker sets with a lateral knee "
            "marker only. Default: the C3D's Plug-in Gait value, else 105.")] = None,
        time_reverse: Annotated[bool, typer.Option(
            "--time-reverse", help="Analyse a time-reversed copy (SYNTHETIC backward trial).")
        ] = False,
    ) -> None:
        """Analyse a running trial: direction, gait events, spatiotemporal measures, COM.

        Output keys are documented in docs/analyze-json.md. Exit code 2 on a bad file.
        """
        if sex not in ("male", "female"):
            _fail(f"--sex must be 'male' or 'female', not {sex!r}")
        torsion = None
        if tibial_torsion is not None:
            try:
                lt, rt = (float(x) for x in tibial_torsion.split(","))
            except ValueError:
                _fail(f"--tibial-torsion {tibial_torsion!r}: give LEFT,RIGHT in degrees, "
                      "e.g. 18,25")
            if not (-60 <= lt <= 90 and -60 <= rt <= 90):
                _fail(f"--tibial-torsion {tibial_torsion!r}: outside -60..90 degrees")
            torsion = {"left": lt, "right": rt}
        widths = None
        if knee_width is not None:
            try:
                vals = [float(x) for x in knee_width.split(",")]
                if len(vals) not in (1, 2):
                    raise ValueError
            except ValueError:
                _fail(f"--knee-width {knee_width!r}: give one width or LEFT,RIGHT in mm, "
                      "e.g. 108 or 108,110")
            from retrorun.biomech.jointcentres import KNEE_WIDTH_RANGE_MM

            lo, hi = KNEE_WIDTH_RANGE_MM
            if not all(lo <= v <= hi for v in vals):
                _fail(f"--knee-width {knee_width!r}: outside {lo:g}..{hi:g} mm (a knee width, "
                      "not a circumference?)")
            widths = {"left": vals[0] / 1000.0, "right": vals[-1] / 1000.0}
        from retrorun.biomech.analysis import analyze_trial
        from retrorun.biomech.errors import TrialFileError
        from retrorun.biomech.io import load_trial

        try:
            tr = load_trial(trial, grf=grf, static=static, mapping=mapping)
        except TrialFileError as exc:
            _fail(str(exc))
        except (ValueError, KeyError) as exc:
            _fail(f"{trial}: {exc}")
        if time_reverse:
            from retrorun.biomech.synthetic import time_reversed

            tr = time_reversed(tr)
        try:
            res = analyze_trial(tr, mass=mass, use_forces=not no_forces, sex=sex,
                                stature=height, tibial_torsion=torsion, knee_width=widths)
        except (ValueError, KeyError) as exc:
            _fail(f"{trial}: cannot analyse: {exc}")
        data = res.to_dict()
        if json_out is not None:
            _write_json(json_out, data)
        else:
            sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
        if html_out is not None:
            from retrorun.biomech.report import write_report

            write_report(res, html_out)
        if json_out is not None:
            st = data["spatiotemporal"]
            ct = st["contact_time_s"]
            typer.echo(
                f"{trial.name}: {data['direction']} ({data['direction_detail']['mode']}), "
                f"events from {data['events_source']}, cadence {st['cadence_steps_per_min']} "
                f"steps/min, contact L {ct['left']} s / R {ct['right']} s, body mass "
                f"{data['body_mass_kg']} kg ({data['body_mass_source']})"
                + (" [SYNTHETIC]" if data["trial"]["synthetic"] else "")
            )
            typer.echo(f"wrote {json_out}" + (f" and {html_out}" if html_out else ""))
