"""One entry point for every trial file: :func:`load_trial` (dispatch on extension)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrorun.biomech.errors import TrialFileError
from retrorun.biomech.markersets import MarkerSet, detect_markerset, load_mapping
from retrorun.biomech.trial import Trial

__all__ = ["SUPPORTED", "load_trial", "read_raw"]

SUPPORTED = (".c3d", ".trc", ".mot", ".sto")


def read_raw(path: str | Path) -> Trial:
    """Read a trial in file axes (no frame normalisation)."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".c3d":
        from retrorun.biomech.io_c3d import read_c3d

        return read_c3d(p)
    if ext == ".trc":
        from retrorun.biomech.io_opensim import read_trc

        return read_trc(p)
    if ext in (".mot", ".sto"):
        from retrorun.biomech.io_opensim import trial_from_mot

        return trial_from_mot(p)
    raise TrialFileError(p, f"unsupported file type {ext!r}; supported: {', '.join(SUPPORTED)}")


def _attach_grf(trial: Trial, grf: Path) -> None:
    from retrorun.biomech.io_opensim import plates_from_table, read_mot

    table = read_mot(grf)
    plates = plates_from_table(table)
    if not plates:
        raise TrialFileError(grf, "no ground-force columns (…force_vx/vy/vz) found")
    t = table.time
    trial.plates = plates
    trial.force_rate = round(1.0 / float(np.median(np.diff(t))), 6)
    trial.force_start_time = float(t[0])
    trial.meta["grf_source"] = str(grf)


def load_trial(path: str | Path, *, grf: str | Path | None = None,
               static: str | Path | None = None,
               mapping: str | Path | MarkerSet | None = None) -> Trial:
    """Load a trial into the retrorun lab frame (X facing, Y left, Z up; SI units).

    Parameters
    ----------
    path : .c3d, .trc, or .mot/.sto (with ``<MARKER>_tx/_ty/_tz`` marker columns).
    grf : optional GRF .mot (OpenSim) whose plates replace those of *path*; it must share
        the marker file's axes and clock.
    static : optional static calibration trial (anatomical landmarks for cluster sets);
        loaded the same way and attached as ``trial.static``.
    mapping : a :class:`MarkerSet`, or a JSON/TOML mapping file, overriding detection.

    Raises
    ------
    TrialFileError
        Corrupt, truncated or unsupported files, or markers that cannot be oriented.
    """
    p = Path(path)
    trial = read_raw(p)
    if not trial.markers:
        if trial.plates:
            raise TrialFileError(p, "no marker trajectories in this file: it holds ground "
                                    "reaction forces; give it with --grf next to the marker "
                                    "trial (.trc, or .mot with <MARKER>_tx columns)")
        if trial.model_outputs:
            raise TrialFileError(p, "no marker trajectories in this file: it holds OpenSim "
                                    "model coordinates (IK output); analyse the marker file "
                                    "(.trc) of the same trial instead")
        raise TrialFileError(p, "no marker trajectories in this file")
    if grf is not None:
        _attach_grf(trial, Path(grf))
    st_raw = read_raw(Path(static)) if static is not None else None
    if isinstance(mapping, MarkerSet):
        ms = mapping
    elif mapping is not None:
        ms = load_mapping(mapping)
    else:
        try:
            ms = detect_markerset(set(trial.markers),
                                  set(st_raw.markers) if st_raw is not None else None)
        except ValueError as exc:
            raise TrialFileError(p, str(exc)) from None
    from retrorun.biomech.frames import to_lab_frame

    try:
        out = to_lab_frame(trial, ms)
    except ValueError as exc:
        raise TrialFileError(p, str(exc)) from None
    if st_raw is not None:
        try:
            out.static = to_lab_frame(st_raw, ms)
        except ValueError as exc:
            raise TrialFileError(Path(static), str(exc)) from None
    out.meta["markerset"] = ms.name
    return out
