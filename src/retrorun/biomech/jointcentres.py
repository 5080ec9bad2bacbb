"""Joint centres and anatomical landmarks for every frame.

Per side (``l``/``r``), in priority order:

* **hip** — given by the file (``HJC`` role, e.g. OpenCap ``RHJC_study``); else the
  Harrington et al. (2007) regression from pelvis width and depth (ASIS/PSIS); else a static
  hip landmark carried by the pelvis cluster.
* **knee** — given by the file (``KJC``); else the mid-point of the lateral and medial
  epicondyles (dynamic, or carried from the static trial by the thigh cluster); else the
  functional centre of the thigh and shank clusters (SCoRE, Ehrig et al. 2006); else the
  lateral marker moved medially by half a default knee width (0.10 m, design value).
* **ankle** — ``AJC``; else the malleoli mid-point (static landmarks carried by the shank
  cluster); else SCoRE of shank and foot clusters; else the lateral malleolus moved
  medially by half a default ankle width (0.07 m, design value).

Harrington ME, Zavatsky AB, Lawson SEM, Yuan Z, Theologis TN (2007) Prediction of the hip
joint centre in adults, children, and patients with cerebral palsy based on magnetic
resonance imaging. J Biomech 40:595-602 (PW/PD-only equations, mm, pelvis frame x
anterior, y superior, z lateral: x = -0.24 PD - 9.9, y = -0.30 PW - 10.9, z = 0.33 PW + 7.3).
Ehrig RM, Taylor WR, Duda GN, Heller MO (2006) A survey of formal methods for
determining the centre of rotation of ball joints. J Biomech 39:2798-2809.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.clusters import carry_landmarks, cluster_pose
from retrorun.biomech.markersets import MarkerSet, detect_markerset
from retrorun.biomech.trial import Trial

__all__ = ["JointCentres", "augmented_markers", "harrington_hjc", "joint_centres",
           "pelvis_frame", "score_centre"]

DEFAULT_KNEE_WIDTH = 0.10  # m, design value
DEFAULT_ANKLE_WIDTH = 0.07  # m, design value
#: Hip centre from the greater trochanters: moved medially by this fraction of the
#: inter-trochanter distance (design value: ~0.36 m between trochanters vs ~0.18 m
#: between hip centres in adults).
GTR_INSET_FRACTION = 0.25

#: which cluster carries a static landmark of a role (first usable wins)
_CARRIER = {"ASI": ("PELVIS",), "PSI": ("PELVIS",), "HJC": ("PELVIS",), "GTR": ("PELVIS",),
            "KNE": ("{s}THIGH", "{s}SHANK"), "KNM": ("{s}THIGH", "{s}SHANK"),
            "ANK": ("{s}SHANK",), "MED": ("{s}SHANK",), "HEE": ("{s}FOOT",),
            "TOE": ("{s}FOOT",), "MT5": ("{s}FOOT",)}


class JointCentres(dict):
    """``dict`` key → (N, 3) m, with ``methods`` (key → how it was obtained)."""

    methods: dict[str, str]


def _labels_of(ms: MarkerSet, role: str) -> list[str]:
    v = ms.roles.get(role)
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def augmented_markers(trial: Trial, ms: MarkerSet | None = None,
                      static: Trial | None = None) -> dict[str, np.ndarray]:
    """Markers of *trial* plus static-trial landmarks carried by their segment clusters.

    A role missing from the dynamic trial but present in the static trial is rebuilt by
    tracking its carrier cluster (table ``_CARRIER``): knee epicondyles by the thigh
    cluster, malleoli by the shank cluster, pelvis landmarks by the pelvis cluster.
    """
    ms = ms or trial.markerset or detect_markerset(set(trial.markers))
    static = static if static is not None else trial.static
    out = dict(trial.markers)
    if static is None:
        return out
    todo: dict[str, list[str]] = {}  # cluster → static labels to carry (one pose each)
    for role in ms.roles:
        side = role[0] if role[:1] in "LR" and len(role) == 4 else ""
        key = role[1:] if side else role[-3:]
        carriers = _CARRIER.get(key)
        if carriers is None:
            continue
        want = [lab for lab in _labels_of(ms, role) if lab not in out and lab in static.markers]
        if not want:
            continue
        for c in carriers:
            name = c.format(s=side)
            cl = ms.clusters.get(name)
            if cl and sum(x in static.markers and x in trial.markers for x in cl) >= 3:
                todo.setdefault(name, []).extend(want)
                break
    for name, want in todo.items():
        out.update(carry_landmarks(static.markers, trial.markers, ms.clusters[name], want))
    return out


def pelvis_frame(lasi: np.ndarray, rasi: np.ndarray, lpsi: np.ndarray, rpsi: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Pelvis anatomical frame: origin mid-ASIS (N, 3) and axes (N, 3, 3).

    ``axes[:, :, 0]`` anterior, ``[:, :, 1]`` left (RASI→LASI), ``[:, :, 2]`` superior.
    """
    o = 0.5 * (lasi + rasi)
    y = lasi - rasi
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    a = o - 0.5 * (lpsi + rpsi)
    x = a - np.sum(a * y, axis=1, keepdims=True) * y
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    z = np.cross(x, y)
    return o, np.stack([x, y, z], axis=2)


def harrington_hjc(lasi: np.ndarray, rasi: np.ndarray, lpsi: np.ndarray, rpsi: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Left and right hip joint centres (N, 3), m, by Harrington et al. (2007).

    Pelvis width PW and depth PD are taken as the trial medians (rigid pelvis).
    """
    o, ax = pelvis_frame(lasi, rasi, lpsi, rpsi)
    pw = float(np.nanmedian(np.linalg.norm(lasi - rasi, axis=1))) * 1000.0
    pd = float(np.nanmedian(np.linalg.norm(0.5 * (lasi + rasi) - 0.5 * (lpsi + rpsi),
                                           axis=1))) * 1000.0
    ant = (-0.24 * pd - 9.9) / 1000.0
    sup = (-0.30 * pw - 10.9) / 1000.0
    lat = (0.33 * pw + 7.3) / 1000.0
    left = o + ant * ax[:, :, 0] + lat * ax[:, :, 1] + sup * ax[:, :, 2]
    right = o + ant * ax[:, :, 0] - lat * ax[:, :, 1] + sup * ax[:, :, 2]
    return left, right


def score_centre(markers: dict[str, np.ndarray], cluster_a: list[str], cluster_b: list[str],
                 *, reg: float = 1e-3) -> np.ndarray | None:
    """Functional joint centre between two clusters (SCoRE, Ehrig et al. 2006).

    Solves for the point fixed in both cluster frames by linear least squares over all
    frames; a small Tikhonov term (``reg`` × mean eigenvalue) towards the mid-point of the
    two cluster centroids resolves the indeterminacy along a hinge axis.
    Returns (N, 3) m or ``None`` if a cluster has fewer than 3 markers.
    """
    la = [c for c in cluster_a if c in markers]
    lb = [c for c in cluster_b if c in markers]
    if len(la) < 3 or len(lb) < 3:
        return None
    A = np.stack([markers[c] for c in la], axis=1)
    B = np.stack([markers[c] for c in lb], axis=1)
    ok = np.isfinite(A).all(axis=(1, 2)) & np.isfinite(B).all(axis=(1, 2))
    if ok.sum() < 10:
        return None
    i0 = int(np.flatnonzero(ok)[0])
    ra, ta = cluster_pose(A[i0], A)
    rb, tb = cluster_pose(B[i0], B)
    good = np.isfinite(ra).all(axis=(1, 2)) & np.isfinite(rb).all(axis=(1, 2))
    M = np.concatenate([ra[good], -rb[good]], axis=2)  # (n, 3, 6)
    rhs = tb[good] - ta[good]
    ata = np.einsum("nki,nkj->ij", M, M)
    atb = np.einsum("nki,nk->i", M, rhs)
    mid = 0.5 * (A[i0].mean(axis=0) + B[i0].mean(axis=0))
    u0 = np.concatenate([mid, mid])  # frame i0 is the local frame of both clusters
    lam = reg * np.trace(ata) / 6.0
    u = np.linalg.solve(ata + lam * np.eye(6), atb + lam * u0)
    ca = np.einsum("nij,j->ni", ra, u[:3]) + ta
    cb = np.einsum("nij,j->ni", rb, u[3:]) + tb
    return 0.5 * (ca + cb)


def _foot_cluster_ends(m: dict[str, np.ndarray], cluster: list[str], static: Trial | None
                       ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Posterior and anterior foot-cluster markers (design fallback without heel/toe).

    Ranked by X (facing) in the static trial, else by the trial mean relative to the
    cluster centroid.
    """
    labs = [c for c in cluster if c in m]
    if len(labs) < 2:
        return None, None
    src = static.markers if static is not None and all(c in static.markers for c in labs) \
        else m
    pos = np.array([np.nanmean(src[c][:, 0] - np.nanmean(
        np.stack([src[x][:, 0] for x in labs]), axis=0)) for c in labs])
    return m[labs[int(np.argmin(pos))]], m[labs[int(np.argmax(pos))]]


def joint_centres(trial: Trial, markerset: MarkerSet | None = None,
                  static: Trial | None = None) -> JointCentres:
    """Joint centres and landmarks of *trial* for every frame, lab frame, m.

    Keys: ``hip_l knee_l ankle_l heel_l toe_l`` (and ``_r``), ``mid_hip``, and when the
    markers allow it ``c7``, ``vertex`` (head top), ``shoulder_l``, ``elbow_l``,
    ``wrist_l``, ``finger_l`` (and ``_r``), ``pelvis_origin``. ``.methods`` says how each
    was obtained.
    """
    ms = markerset or trial.markerset or detect_markerset(set(trial.markers))
    static = static if static is not None else trial.static
    m = augmented_markers(trial, ms, static)
    out = JointCentres()
    out.methods = {}

    def put(key: str, val: np.ndarray | None, how: str) -> bool:
        if val is None or key in out:
            return False
        out[key] = np.asarray(val, dtype=float)
        out.methods[key] = how
        return True

    g = lambda role: ms.get(m, role)  # noqa: E731
    pel = [g(r) for r in ("LASI", "RASI", "LPSI", "RPSI")]
    have_pelvis = all(p is not None for p in pel)
    left_axis = None
    if have_pelvis:
        o, ax = pelvis_frame(*pel)
        left_axis = ax[:, :, 1]
        out["pelvis_origin"] = o
        out.methods["pelvis_origin"] = "mid-ASIS"
    for s, S in (("l", "L"), ("r", "R")):
        sign = 1.0 if s == "l" else -1.0
        # hip
        put(f"hip_{s}", g(f"{S}HJC"), "file/static landmark")
        if have_pelvis and f"hip_{s}" not in out:
            hl, hr = harrington_hjc(*pel)
            put(f"hip_{s}", hl if s == "l" else hr, "Harrington 2007 regression")
        gl, gr = g("LGTR"), g("RGTR")
        if f"hip_{s}" not in out and gl is not None and gr is not None:
            this, other = (gl, gr) if s == "l" else (gr, gl)
            put(f"hip_{s}", this + GTR_INSET_FRACTION * (other - this),
                "greater trochanter moved medially by 25 % of the inter-trochanter distance")
        # knee
        put(f"knee_{s}", g(f"{S}KJC"), "file")
        kne, knm = g(f"{S}KNE"), g(f"{S}KNM")
        if kne is not None and knm is not None:
            put(f"knee_{s}", 0.5 * (kne + knm), "epicondyle mid-point")
        if f"knee_{s}" not in out:
            put(f"knee_{s}", score_centre(m, ms.clusters.get(f"{S}THIGH", []),
                                          ms.clusters.get(f"{S}SHANK", [])),
                "SCoRE functional (thigh/shank clusters)")
        if f"knee_{s}" not in out and kne is not None and left_axis is not None:
            put(f"knee_{s}", kne - sign * left_axis * DEFAULT_KNEE_WIDTH / 2,
                "lateral marker + half default knee width")
        # ankle
        put(f"ankle_{s}", g(f"{S}AJC"), "file")
        ank, med = g(f"{S}ANK"), g(f"{S}MED")
        if ank is not None and med is not None:
            put(f"ankle_{s}", 0.5 * (ank + med), "malleoli mid-point")
        if f"ankle_{s}" not in out:
            put(f"ankle_{s}", score_centre(m, ms.clusters.get(f"{S}SHANK", []),
                                           ms.clusters.get(f"{S}FOOT", [])),
                "SCoRE functional (shank/foot clusters)")
        if f"ankle_{s}" not in out and ank is not None and left_axis is not None:
            put(f"ankle_{s}", ank - sign * left_axis * DEFAULT_ANKLE_WIDTH / 2,
                "lateral malleolus + half default ankle width")
        put(f"heel_{s}", g(f"{S}HEE"), "marker")
        put(f"toe_{s}", g(f"{S}TOE"), "marker")
        if f"heel_{s}" not in out or f"toe_{s}" not in out:
            heel, toe = _foot_cluster_ends(m, ms.clusters.get(f"{S}FOOT", []), static)
            put(f"heel_{s}", heel, "foot-cluster marker most posterior in the static trial")
            put(f"toe_{s}", toe, "foot-cluster marker most anterior in the static trial")
        for key, role in (("shoulder", "SHO"), ("elbow", "ELB"), ("wrist", "WRI"),
                          ("finger", "FIN")):
            put(f"{key}_{s}", g(f"{S}{role}"), "marker")
    if "hip_l" in out and "hip_r" in out:
        put("mid_hip", 0.5 * (out["hip_l"] + out["hip_r"]), "hip mid-point")
    put("c7", g("C7"), "marker")
    head = g("HEAD")
    if head is not None:
        out["head_markers"] = head
        out.methods["head_markers"] = "mean of head markers"
    return out
