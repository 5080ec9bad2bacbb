"""Normalisation of any trial to the retrorun lab frame.

Lab frame (right-handed, metres):

* **Z up** — found from the markers (pelvis markers lie above foot markers; the file axis
  with the largest pelvis-minus-foot offset, with its sign) or, without those roles, from
  the force plates (gravity-opposing load).
* **X = facing** — the mean horizontal direction the pelvis faces over the trial,
  ``left × up`` where ``left`` is the left-minus-right pelvis vector (ASIS, PSIS, hip
  centres or left/right cluster centroids). Backward running therefore travels along ``-X``.
* **Y = Z × X** — to the runner's left.

Only a rotation is applied (the origin stays the file's). Ground reaction forces are
made to act on the body (vertical component positive under load; plates that report the
force on the plate are negated); the COP is set to NaN where the vertical load is below
``COP_MIN_FORCE``. Model outputs (angles, moments) are not touched.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.markersets import MarkerSet
from retrorun.biomech.trial import LAB_FRAME, Trial

__all__ = ["COP_MIN_FORCE", "facing_vector", "to_lab_frame", "vertical_axis"]

COP_MIN_FORCE = 20.0  # N

_UPPER = ("LASI", "RASI", "LPSI", "RPSI", "LHJC", "RHJC", "C7")
_LOWER = ("LHEE", "RHEE", "LTOE", "RTOE", "LANK", "RANK")


def _mean_of(ms: MarkerSet, markers: dict[str, np.ndarray], roles, clusters=(),
             step: int = 1) -> np.ndarray:
    pts = [ms.get(markers, r) for r in roles]
    for c in clusters:
        pts += [markers[x] for x in ms.clusters.get(c, []) if x in markers]
    pts = [p[::step] for p in pts if p is not None]
    pts = [np.nanmean(p, axis=0) for p in pts if np.isfinite(p).any()]
    return np.nanmean(np.stack(pts), axis=0) if pts else np.full(3, np.nan)


#: frames averaged to find the vertical axis (it only needs the dominant axis of the
#: pelvis-minus-foot offset, so an evenly spaced subset of a long trial is enough)
_VERTICAL_SAMPLES = 300


def vertical_axis(trial: Trial, ms: MarkerSet) -> np.ndarray:
    """Unit 'up' vector in file axes (one of ±e_x, ±e_y, ±e_z)."""
    n = max((len(v) for v in trial.markers.values()), default=0)
    step = max(1, n // _VERTICAL_SAMPLES)
    up = _mean_of(ms, trial.markers, _UPPER, ("PELVIS",), step)
    lo = _mean_of(ms, trial.markers, _LOWER, ("LFOOT", "RFOOT"), step)
    d = up - lo
    if not np.isfinite(d).all() and trial.plates:
        d = np.nansum([np.nansum(p.force, axis=0) for p in trial.plates], axis=0)
    if not np.isfinite(d).all() or not np.any(d):
        raise ValueError("cannot find the vertical axis: no pelvis/foot markers and no forces")
    k = int(np.argmax(np.abs(d)))
    e = np.zeros(3)
    e[k] = np.sign(d[k])
    return e


def _left_vector(trial: Trial, ms: MarkerSet) -> np.ndarray:
    m = trial.markers
    pairs = (("LASI", "RASI"), ("LPSI", "RPSI"), ("LHJC", "RHJC"), ("LKNE", "RKNE"))
    vecs = []
    for left, right in pairs:
        a, b = ms.get(m, left), ms.get(m, right)
        if a is not None and b is not None:
            vecs.append(a - b)
    if not vecs:
        for cl in ("THIGH", "SHANK", "FOOT"):
            la = [m[x] for x in ms.clusters.get("L" + cl, []) if x in m]
            ra = [m[x] for x in ms.clusters.get("R" + cl, []) if x in m]
            if la and ra:
                vecs.append(np.nanmean(np.stack(la), axis=0) - np.nanmean(np.stack(ra), axis=0))
    if not vecs:
        raise ValueError("cannot find left/right: no bilateral pelvis or leg markers")
    return np.nanmean(np.stack(vecs), axis=0)


def facing_vector(trial: Trial, ms: MarkerSet, up: np.ndarray) -> np.ndarray:
    """Per-frame horizontal facing direction (N, 3) in the trial's current axes."""
    left = _left_vector(trial, ms)
    f = np.cross(left, up)
    m = trial.markers
    asis = [ms.get(m, "LASI"), ms.get(m, "RASI")]
    psis = [ms.get(m, "LPSI"), ms.get(m, "RPSI")]
    if all(a is not None for a in asis + psis):
        ant = 0.5 * (asis[0] + asis[1]) - 0.5 * (psis[0] + psis[1])
        ant = ant - np.sum(ant * up, axis=1, keepdims=True) * up
        if np.nanmean(np.sum(ant * f, axis=1)) < 0:
            raise ValueError("pelvis markers disagree: ASIS-PSIS points opposite to left×up "
                             "(left/right labels swapped?)")
    return f


def to_lab_frame(trial: Trial, ms: MarkerSet) -> Trial:
    """Rotate *trial* (file axes) into the lab frame; returns a new Trial.

    ``meta`` gains ``rotation`` (3×3 file→lab, rows = lab axes in file coordinates),
    ``vertical_axis_in_file`` (e.g. "+Y") and ``frame``.
    """
    up = vertical_axis(trial, ms)
    f = facing_vector(trial, ms, up)
    fm = np.nanmean(f, axis=0)
    fm = fm - fm.dot(up) * up
    nrm = np.linalg.norm(fm)
    if not np.isfinite(nrm) or nrm < 1e-9:
        raise ValueError("cannot find the facing direction of the pelvis")
    x = fm / nrm
    y = np.cross(up, x)
    rot = np.stack([x, y, up])  # rows: lab axes in file coordinates
    # one small product per marker: a single stacked (M·N × 3) product would be a BLAS
    # call large enough for OpenBLAS to wake its worker threads, which then spin and
    # double the process CPU time of the whole analysis
    markers = {k: v @ rot.T for k, v in trial.markers.items()}
    plates = []
    for p in trial.plates:
        force = p.force @ rot.T
        fz = force[:, 2]
        if np.nansum(fz[np.abs(fz) > COP_MIN_FORCE]) < 0:  # force on the plate → on the body
            force = -force
            fz = force[:, 2]
        cop = p.cop @ rot.T
        cop[fz < COP_MIN_FORCE] = np.nan
        corners = None if p.corners is None else p.corners @ rot.T
        plates.append(type(p)(force=force, cop=cop, free_moment=p.free_moment @ rot.T,
                              name=p.name, foot=p.foot, corners=corners))
    k = int(np.argmax(np.abs(up)))
    meta = dict(trial.meta)
    meta.update(frame=LAB_FRAME, rotation=rot.tolist(),
                vertical_axis_in_file=("+" if up[k] > 0 else "-") + "XYZ"[k],
                facing_in_file=[round(float(v), 4) for v in x])
    return trial.copy(markers=markers, plates=plates, meta=meta, markerset=ms)
