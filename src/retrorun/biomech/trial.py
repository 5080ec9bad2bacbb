"""The one trial model every reader produces and every algorithm consumes.

All arrays are SI (m, N, N·m, s) and expressed in the retrorun **lab frame** once
:func:`retrorun.biomech.frames.to_lab_frame` has run (the readers call it):

* ``Z`` up (opposite to gravity),
* ``X`` horizontal, the direction the pelvis faces (anterior; *not* necessarily the
  direction of travel — backward running travels along ``-X``),
* ``Y = Z × X`` points to the runner's left; the frame is right-handed.

See ``docs/biomechanics.md`` for how the frame is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["FILE_FRAME", "LAB_FRAME", "ForcePlate", "Trial"]

#: Name of the frame of a trial straight from the file (before normalisation).
FILE_FRAME = "file"
#: Name of the retrorun lab frame (X facing, Y left, Z up).
LAB_FRAME = "lab:X-facing,Y-left,Z-up"


@dataclass
class ForcePlate:
    """One source of ground reaction force, sampled at ``Trial.force_rate``.

    Attributes
    ----------
    force : (M, 3) ndarray, N
        Ground reaction force acting *on the body*.
    cop : (M, 3) ndarray, m
        Centre of pressure (NaN when the plate is unloaded).
    free_moment : (M, 3) ndarray, N·m
        Moment about the COP (only the vertical component is physical); zeros if unknown.
    name : str
        "FP1", "R", ... .
    foot : {"left", "right", None}
        Fixed foot for per-foot GRF files (Hamner ``R_``/``L_`` columns); ``None`` for a
        plate that any foot may hit (overground plates, a treadmill plate).
    """

    force: np.ndarray
    cop: np.ndarray
    free_moment: np.ndarray
    name: str = "FP"
    foot: str | None = None
    corners: np.ndarray | None = None


@dataclass
class Trial:
    """A motion-capture trial (markers, optional forces) on one time base.

    Attributes
    ----------
    markers : dict[str, (N, 3) ndarray], m
        Marker trajectories (NaN where a marker is missing).
    point_rate : float, Hz
        Marker sampling rate; ``time`` is ``start_time + arange(N) / point_rate``.
    plates : list[ForcePlate]
        Force data sampled at ``force_rate`` starting at ``force_start_time``.
    events : dict[str, dict[str, ndarray]]
        Events stored in the file (C3D EVENT group), ``events[side][kind]`` in s,
        sides "left"/"right", kinds "foot_strike"/"toe_off".
    model_outputs : dict[str, (N, 3) ndarray]
        Computed "points" of the file (angles in deg, moments, powers) — never rescaled
        or rotated like markers (kineticstoolkit issue #147).
    meta : dict
        ``source`` (path), ``format``, ``units`` (file units), ``frame``, ``vertical_axis``
        (in the file), ``rotation`` (3×3 file→lab), ``synthetic`` (bool), ``notes``...
    """

    markers: dict[str, np.ndarray]
    point_rate: float
    plates: list[ForcePlate] = field(default_factory=list)
    force_rate: float | None = None
    start_time: float = 0.0
    force_start_time: float | None = None
    analogs: dict[str, np.ndarray] = field(default_factory=dict)
    analog_rate: float | None = None
    events: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    model_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    #: Resolved marker-set profile (a :class:`retrorun.biomech.markersets.MarkerSet`).
    markerset: Any = None
    #: Static calibration trial (same lab-frame conventions), if one was given.
    static: Trial | None = None

    @property
    def n_frames(self) -> int:
        """Number of marker frames."""
        for v in self.markers.values():
            return int(v.shape[0])
        return 0

    @property
    def time(self) -> np.ndarray:
        """Marker time base, s."""
        return self.start_time + np.arange(self.n_frames) / self.point_rate

    @property
    def force_time(self) -> np.ndarray:
        """Force time base, s (empty without plates)."""
        if not self.plates or self.force_rate is None:
            return np.zeros(0)
        n = self.plates[0].force.shape[0]
        t0 = self.start_time if self.force_start_time is None else self.force_start_time
        return t0 + np.arange(n) / self.force_rate

    @property
    def duration(self) -> float:
        """Length of the marker record, s."""
        return self.n_frames / self.point_rate

    @property
    def has_forces(self) -> bool:
        """True when at least one plate carries a non-trivial load."""
        return any(np.nanmax(np.abs(p.force[:, 2]), initial=0.0) > 1.0 for p in self.plates)

    @property
    def synthetic(self) -> bool:
        """True for generated data (e.g. a time-reversed trial)."""
        return bool(self.meta.get("synthetic", False))

    def marker(self, name: str) -> np.ndarray:
        """Trajectory of *name*; raises ``KeyError`` naming the trial when absent."""
        try:
            return self.markers[name]
        except KeyError:
            raise KeyError(f"marker {name!r} not in trial {self.meta.get('source', '?')}") from None

    def copy(self, **changes: Any) -> Trial:
        """Shallow copy with fields replaced."""
        return replace(self, **changes)
