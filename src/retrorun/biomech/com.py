"""Whole-body centre of mass by the segmental method (de Leva 1996).

Each segment's COM lies on the line between its endpoints at de Leva's fraction from the
proximal endpoint (:mod:`retrorun.biomech.anthropometry`); the whole-body COM is the
mass-weighted mean. Segments whose markers are missing are handled as follows
(design rules, documented in docs/biomechanics.md):

* trunk without C7: the cervicale is placed above mid-hip along lab Z at 0.30 × stature;
* head without head markers: the vertex is placed above C7 along lab Z at 0.14 × stature;
  with head markers, the head COM is their centroid;
* arms without markers: their mass is lumped into the trunk (a HAT segment);
* hand without finger marker: COM 5 cm beyond the wrist along the forearm.

Stature, when not given, is estimated from thigh + shank length / 0.4918 (de Leva's mean
male thigh 422.2 mm + shank 434.0 mm over stature 1741 mm).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrorun.biomech.anthropometry import DE_LEVA, FALLBACK_LENGTH_FRACTION

__all__ = ["ComModel", "estimate_stature", "segmental_com"]

_UP = np.array([0.0, 0.0, 1.0])


@dataclass
class ComModel:
    """Segmental COM result.

    Attributes
    ----------
    com : (N, 3) whole-body COM, m, lab frame.
    segments : segment key → (N, 3) segment COM, m.
    mass_fractions : segment key → fraction of body mass used (sum = 1).
    stature_m : stature used for the fallback segments, m.
    notes : how missing segments were handled.
    """

    com: np.ndarray
    segments: dict[str, np.ndarray]
    mass_fractions: dict[str, float]
    stature_m: float
    notes: list[str] = field(default_factory=list)


def estimate_stature(jc: dict[str, np.ndarray]) -> float:
    """Stature from thigh + shank length (median over frames and sides), m."""
    legs = []
    for s in ("l", "r"):
        if all(k in jc for k in (f"hip_{s}", f"knee_{s}", f"ankle_{s}")):
            th = np.linalg.norm(jc[f"hip_{s}"] - jc[f"knee_{s}"], axis=1)
            sh = np.linalg.norm(jc[f"knee_{s}"] - jc[f"ankle_{s}"], axis=1)
            legs.append(np.nanmedian(th + sh))
    if not legs:
        return 1.75
    return float(np.mean(legs) / 0.4918)


def _on_line(a: np.ndarray, b: np.ndarray, frac: float) -> np.ndarray:
    return a + frac * (b - a)


def segmental_com(jc: dict[str, np.ndarray], *, sex: str = "male",
                  stature: float | None = None) -> ComModel:
    """Whole-body COM (N, 3) from joint centres (see module docstring).

    Parameters
    ----------
    jc : joint centres (:func:`retrorun.biomech.jointcentres.joint_centres`).
    sex : "male" or "female" (de Leva table).
    stature : m; estimated from the legs when ``None``.
    """
    tab = DE_LEVA[sex]
    H = stature or estimate_stature(jc)
    notes: list[str] = []
    segs: dict[str, np.ndarray] = {}
    frac: dict[str, float] = {}
    for s in ("l", "r"):
        need = {"thigh": (f"hip_{s}", f"knee_{s}"), "shank": (f"knee_{s}", f"ankle_{s}"),
                "foot": (f"heel_{s}", f"toe_{s}")}
        for seg, (a, b) in need.items():
            if a not in jc or b not in jc:
                raise ValueError(f"segmental COM needs {a} and {b}")
            segs[f"{seg}_{s}"] = _on_line(jc[a], jc[b], tab[seg].com_fraction)
            frac[f"{seg}_{s}"] = tab[seg].mass_fraction
    mid_hip = jc.get("mid_hip")
    if mid_hip is None:
        raise ValueError("segmental COM needs both hip centres")
    c7 = jc.get("c7")
    if c7 is None:
        c7 = mid_hip + _UP * FALLBACK_LENGTH_FRACTION["trunk"] * H
        notes.append("no C7 marker: trunk top placed 0.30×stature above mid-hip")
    segs["trunk"] = _on_line(c7, mid_hip, tab["trunk"].com_fraction)
    frac["trunk"] = tab["trunk"].mass_fraction
    if "head_markers" in jc:
        segs["head"] = jc["head_markers"]
    else:
        vertex = c7 + _UP * FALLBACK_LENGTH_FRACTION["head"] * H
        segs["head"] = _on_line(vertex, c7, tab["head"].com_fraction)
        notes.append("no head markers: vertex placed 0.14×stature above C7")
    frac["head"] = tab["head"].mass_fraction
    lumped = 0.0
    for s in ("l", "r"):
        sh, el, wr = jc.get(f"shoulder_{s}"), jc.get(f"elbow_{s}"), jc.get(f"wrist_{s}")
        if sh is not None and el is not None:
            segs[f"upper_arm_{s}"] = _on_line(sh, el, tab["upper_arm"].com_fraction)
            frac[f"upper_arm_{s}"] = tab["upper_arm"].mass_fraction
        else:
            lumped += tab["upper_arm"].mass_fraction
        if el is not None and wr is not None:
            segs[f"forearm_{s}"] = _on_line(el, wr, tab["forearm"].com_fraction)
            frac[f"forearm_{s}"] = tab["forearm"].mass_fraction
            fin = jc.get(f"finger_{s}")
            if fin is not None:
                segs[f"hand_{s}"] = _on_line(wr, fin, tab["hand"].com_fraction)
            else:
                u = wr - el
                u = u / np.linalg.norm(u, axis=1, keepdims=True)
                segs[f"hand_{s}"] = wr + 0.05 * u
            frac[f"hand_{s}"] = tab["hand"].mass_fraction
        else:
            lumped += tab["forearm"].mass_fraction + tab["hand"].mass_fraction
    if lumped:
        frac["trunk"] += lumped
        notes.append(f"arm markers missing: {lumped:.4f} of body mass lumped into the trunk")
    keys = list(segs)
    w = np.array([frac[k] for k in keys])
    w = w / w.sum()
    stack = np.stack([segs[k] for k in keys])  # (S, N, 3)
    com = np.einsum("s,snk->nk", w, stack)
    return ComModel(com=com, segments=segs, mass_fractions=dict(zip(keys, w.tolist(),
                                                                    strict=True)),
                    stature_m=H, notes=notes)
