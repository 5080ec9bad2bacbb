"""Joint centres and anatomical landmarks for every frame.

Per side (``l``/``r``), in priority order:

* **hip** — given by the file (``HJC`` role, e.g. OpenCap ``RHJC_study``); else the
  Harrington et al. (2007) regression from pelvis width and depth (ASIS/PSIS); else a static
  hip landmark carried by the pelvis cluster.
* **knee** — given by the file (``KJC``); else the mid-point of the lateral and medial
  epicondyles (dynamic, or carried from the static trial by the thigh cluster); else the
  lateral knee marker moved medially by (knee width + marker diameter) / 2 along the
  functional flexion axis of the thigh and shank clusters (SARA, Ehrig et al. 2007;
  Plug-in Gait/CGM offset, default knee width 0.105 m); else the functional centre of the
  clusters (SCoRE, Ehrig et al. 2006); else the lateral marker moved medially by the same
  offset along the pelvis medio-lateral axis.
* **ankle** — ``AJC``; else the malleoli mid-point (static landmarks carried by the shank
  cluster); else SCoRE of shank and foot clusters; else the lateral malleolus moved
  medially by half a default ankle width (0.07 m, design value).

Harrington ME, Zavatsky AB, Lawson SEM, Yuan Z, Theologis TN (2007) Prediction of the hip
joint centre in adults, children, and patients with cerebral palsy based on magnetic
resonance imaging. J Biomech 40:595-602 (PW/PD-only equations, mm, pelvis frame x
anterior, y superior, z lateral: x = -0.24 PD - 9.9, y = -0.30 PW - 10.9, z = 0.33 PW + 7.3).
Ehrig RM, Taylor WR, Duda GN, Heller MO (2006) A survey of formal methods for
determining the centre of rotation of ball joints. J Biomech 39:2798-2809.
Ehrig RM, Taylor WR, Duda GN, Heller MO (2007) A survey of formal methods for
determining functional joint axes. J Biomech 40:2150-2157.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.clusters import carry_landmarks, cluster_pose
from retrorun.biomech.markersets import MarkerSet, detect_markerset
from retrorun.biomech.trial import Trial

__all__ = ["JointCentres", "augmented_markers", "harrington_hjc", "joint_centres", "knee_widths",
           "pelvis_frame", "score_centre"]

#: Knee width (epicondyles, bone), m: design value near the measured widths here
#: (walk.c3d subject 109 mm; RBDS001/RIC statics 112-127 mm between epicondyle marker
#: centres, i.e. width + one marker diameter).
DEFAULT_KNEE_WIDTH = 0.105
#: Marker diameter, m (14 mm, the common Vicon/Qualisys size; design value).
MARKER_DIAMETER = 0.014
#: Plausible knee widths, mm (user and metadata values outside are refused: a
#: circumference or a unit slip, not a width; design value).
KNEE_WIDTH_RANGE_MM = (60.0, 180.0)
#: Largest smallest/second-smallest eigenvalue ratio of the SCoRE normal matrix for which
#: the functional hinge axis is trusted (design value).
HINGE_CONDITIONING = 0.1
DEFAULT_ANKLE_WIDTH = 0.07  # m, design value
#: Hip centre from the greater trochanters: moved medially by this fraction of the
#: inter-trochanter distance (design value: ~0.36 m between trochanters vs ~0.18 m
#: between hip centres in adults).
GTR_INSET_FRACTION = 0.25
#: Foot length (heel to toe tip) as a fraction of the shank length (knee to ankle centre):
#: de Leva (1996) mean male segment lengths, foot 258.1 mm / shank 434.0 mm.
FOOT_TO_SHANK_LENGTH = 258.1 / 434.0
#: Largest deviation of the foot-cluster–ankle distance from its median, m (design value).
FOOT_CLUSTER_TOLERANCE = 0.020
#: Foot length when no static shank is available: de Leva male mean, m.
DEFAULT_FOOT_LENGTH = 0.258

#: which cluster carries a static landmark of a role (first usable wins)
_CARRIER = {"ASI": ("PELVIS",), "PSI": ("PELVIS",), "HJC": ("PELVIS",), "GTR": ("PELVIS",),
            "KNE": ("{s}THIGH", "{s}SHANK"), "KNM": ("{s}THIGH", "{s}SHANK"),
            "ANK": ("{s}SHANK",), "MED": ("{s}SHANK",), "HEE": ("{s}FOOT",),
            "TOE": ("{s}FOOT",), "MT5": ("{s}FOOT",)}


class JointCentres(dict):
    """``dict`` key → (N, 3) m, with ``methods`` (key → how it was obtained) and
    ``rejected`` (key → bool (N,) frames set to NaN as implausible)."""

    methods: dict[str, str]
    rejected: dict[str, np.ndarray]
    #: the trial's markers plus carried static landmarks (:func:`augmented_markers`),
    #: kept so later steps need not track the clusters again
    markers: dict[str, np.ndarray]


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


def _two_cluster_system(markers: dict[str, np.ndarray], cluster_a: list[str],
                        cluster_b: list[str]) -> tuple[np.ndarray, ...] | None:
    """Cluster poses relative to the first fully visible frame, and the SCoRE matrix.

    Returns ``(A0, B0, ra, ta, rb, tb, M)``: the reference-frame marker sets (k, 3) m, the
    (N, 3, 3) rotations and (N, 3) m translations of both clusters, and the stacked
    ``[ra, -rb]`` (n, 3, 6) over frames where both poses are finite; ``None`` when a cluster
    has fewer than 3 markers or fewer than 10 frames see all of them.
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
    M = np.concatenate([ra[good], -rb[good]], axis=2)
    return A[i0], B[i0], ra, ta, rb, tb, M


def hinge_axis(markers: dict[str, np.ndarray], cluster_a: list[str], cluster_b: list[str]
               ) -> tuple[np.ndarray, float] | None:
    """Functional hinge (flexion) axis between two clusters, per frame, lab frame.

    The SCoRE system of Ehrig et al. (2006) is singular along a hinge: the eigenvector of
    its normal matrix with the smallest eigenvalue moves the centre along the axis in both
    cluster frames at once (SARA, Ehrig et al. 2007). Its cluster-A part, rotated by the
    cluster-A pose, is the axis.

    Returns ``(axis (N, 3) unit vectors, conditioning)`` where *conditioning* is the ratio
    of the two smallest eigenvalues (small = a well-defined hinge), or ``None`` when a
    cluster has fewer than 3 markers.
    """
    system = _two_cluster_system(markers, cluster_a, cluster_b)
    if system is None:
        return None
    _, _, ra, _, _, _, M = system
    w, v = np.linalg.eigh(np.einsum("nki,nkj->ij", M, M))
    a = v[:3, 0] / np.linalg.norm(v[:3, 0])
    return np.einsum("nij,j->ni", ra, a), float(w[0] / w[1])


def score_centre(markers: dict[str, np.ndarray], cluster_a: list[str], cluster_b: list[str],
                 *, reg: float = 1e-3) -> np.ndarray | None:
    """Functional joint centre between two clusters (SCoRE, Ehrig et al. 2006).

    Solves for the point fixed in both cluster frames by linear least squares over all
    frames; a small Tikhonov term (``reg`` × mean eigenvalue) towards the mid-point of the
    two cluster centroids resolves the indeterminacy along a hinge axis.
    Returns (N, 3) m or ``None`` if a cluster has fewer than 3 markers.
    """
    system = _two_cluster_system(markers, cluster_a, cluster_b)
    if system is None:
        return None
    A0, B0, ra, ta, rb, tb, M = system
    good = np.isfinite(ra).all(axis=(1, 2)) & np.isfinite(rb).all(axis=(1, 2))
    rhs = tb[good] - ta[good]
    ata = np.einsum("nki,nkj->ij", M, M)
    atb = np.einsum("nki,nk->i", M, rhs)
    mid = 0.5 * (A0.mean(axis=0) + B0.mean(axis=0))
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


def virtual_foot_points(static: dict[str, np.ndarray], dynamic: dict[str, np.ndarray],
                        cluster: list[str], shank_length: float | None = None,
                        ankle_static: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """Virtual heel and toe points of a foot (shoe) cluster without heel/toe markers.

    Defined in the **static** trial (lab frame, standing, X = facing): the *heel* point
    lies below the most posterior cluster marker at the height of the lowest cluster
    marker (y of the cluster centroid); the *toe* point lies one foot length ahead of it
    along X at the same height. Foot length = ``FOOT_TO_SHANK_LENGTH`` × the static shank
    length (de Leva 1996 proportions), else ``DEFAULT_FOOT_LENGTH``. Both points are then
    carried into the dynamic trial by the cluster's rigid pose (Söderkvist & Wedin 1993).

    Only their *motion* matters for events (each point's floor level is taken from its
    own trajectory), so a few centimetres of error in their height do not bias contact
    timing; the toe point's antero-posterior placement does (≈ 5 mm rise per 1 cm behind
    the true toe tip at 30° of heel rise).

    Returns ``(heel, toe, info)`` with (N, 3) trajectories, m, or ``None`` when fewer
    than 3 cluster markers are in both trials. ``info["foot_length_m"]``; with
    *ankle_static* (static ankle centre, (3,)) also ``info["ankle"]``, that point carried
    by the foot cluster (for :func:`foot_cluster_outliers`).
    """
    labs = [c for c in cluster if c in static and c in dynamic]
    if len(labs) < 3:
        return None
    ref = np.stack([np.nanmean(static[c], axis=0) for c in labs])
    if not np.isfinite(ref).all():
        return None
    length = (FOOT_TO_SHANK_LENGTH * shank_length if shank_length and
              0.25 < shank_length < 0.6 else DEFAULT_FOOT_LENGTH)
    heel = np.array([ref[:, 0].min(), ref[:, 1].mean(), ref[:, 2].min()])
    toe = heel + np.array([length, 0.0, 0.0])
    mov = np.stack([dynamic[c] for c in labs], axis=1)
    r, t = cluster_pose(ref, mov)
    from retrorun.biomech.clusters import to_global

    info: dict = {"foot_length_m": length}
    if ankle_static is not None:
        info["ankle"] = to_global(r, t, ankle_static)
    return to_global(r, t, heel), to_global(r, t, toe), info


def foot_cluster_outliers(ankle_by_foot: np.ndarray, ankle_by_shank: np.ndarray,
                          tol: float | None = None) -> np.ndarray:
    """Frames (bool, N) where the foot cluster's pose is not where the foot can be.

    The ankle centre is fixed in the shank and in the foot, so the static ankle centre
    carried by the foot cluster and by the shank cluster must coincide up to soft-tissue
    and shoe movement (RIC running trial, left foot: median 4 mm, 95th percentile 9 mm).
    Frames more than *tol* (default ``FOOT_CLUSTER_TOLERANCE``, 20 mm, design value)
    apart are mislabelled or swapped markers (in the RIC trial the right foot cluster
    jumps towards the left foot for up to 0.2 s, 3 s of 25 s in all), dilated by
    2 frames on each side.
    """
    tol = FOOT_CLUSTER_TOLERANCE if tol is None else tol
    d = np.linalg.norm(ankle_by_foot - ankle_by_shank, axis=1)
    bad = ~(d <= tol)
    k = np.convolve(bad.astype(float), np.ones(5), mode="same")
    return k > 0


def static_centre(markers: dict[str, np.ndarray], ms: MarkerSet, lateral: str,
                  medial: str) -> np.ndarray | None:
    """Mean static position (3,) of the mid-point of two landmark roles, or ``None``."""
    a, b = ms.get(markers, lateral), ms.get(markers, medial)
    if a is None or b is None:
        return None
    c = np.nanmean(0.5 * (a + b), axis=0)
    return c if np.isfinite(c).all() else None


def static_tibial_torsion(static: Trial, ms: MarkerSet | None = None) -> dict[str, float]:
    """Tibial torsion per side from a static trial with epicondyle and malleoli markers, deg.

    The angle, about the shank long axis (ankle centre → knee centre), from the knee's
    epicondyle axis (medial → lateral) to the malleolar axis; **positive = external
    torsion** (lateral malleolus posterior to the knee axis), the clinical convention
    (adults typically 15-35 deg). Sides without the four markers are left out.
    """
    ms = ms or static.markerset or detect_markerset(set(static.markers))
    out = {}
    for side, S in (("left", "L"), ("right", "R")):
        v = [ms.get(static.markers, f"{S}{r}") for r in ("KNE", "KNM", "ANK", "MED")]
        if any(x is None for x in v):
            continue
        kne, knm, ank, med = (np.nanmean(x, axis=0) for x in v)
        u = 0.5 * (kne + knm) - 0.5 * (ank + med)
        u /= np.linalg.norm(u)
        k = kne - knm
        a = ank - med
        k -= (k @ u) * u
        a -= (a @ u) * u
        k /= np.linalg.norm(k)
        fwd = np.cross(u, k) if side == "right" else np.cross(k, u)
        ang = float(np.degrees(np.arctan2(-(a @ fwd), a @ k)))
        if np.isfinite(ang):
            out[side] = ang
    return out


def knee_widths(trial: Trial, given: dict[str, float] | None = None
                ) -> dict[str, tuple[float, str]]:
    """Knee width per side, m, and where it comes from: *given* (the user), else the
    C3D's Plug-in Gait ``PROCESSING:L/RKneeWidth``, else :data:`DEFAULT_KNEE_WIDTH`."""
    out = {}
    file_w = trial.meta.get("file_knee_width_m") or {}
    for side in ("left", "right"):
        if given and side in given:
            out[side] = (float(given[side]), "user")
        elif side in file_w:
            out[side] = (float(file_w[side]), "file (Plug-in Gait)")
        else:
            out[side] = (DEFAULT_KNEE_WIDTH, "default")
    return out


def joint_centres(trial: Trial, markerset: MarkerSet | None = None,
                  static: Trial | None = None, *,
                  knee_width: dict[str, float] | None = None) -> JointCentres:
    """Joint centres and landmarks of *trial* for every frame, lab frame, m.

    Keys: ``hip_l knee_l ankle_l heel_l toe_l`` (and ``_r``), ``mid_hip``, and when the
    markers allow it ``c7``, ``vertex`` (head top), ``shoulder_l``, ``elbow_l``,
    ``wrist_l``, ``finger_l`` (and ``_r``), ``pelvis_origin``. ``.methods`` says how each
    was obtained.

    *knee_width* (``{"left": m, "right": m}``) places the knee centre of marker sets with
    a lateral knee marker only: (width + marker diameter) / 2 medial of the marker, as in
    Plug-in Gait. Default: the C3D's Plug-in Gait knee widths, else 105 mm
    (:func:`knee_widths`).
    """
    ms = markerset or trial.markerset or detect_markerset(set(trial.markers))
    static = static if static is not None else trial.static
    m = augmented_markers(trial, ms, static)
    out = JointCentres()
    out.methods = {}
    out.rejected = {}
    out.markers = m

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
    harrington = None
    if have_pelvis:
        o, ax = pelvis_frame(*pel)
        left_axis = ax[:, :, 1]
        out["pelvis_origin"] = o
        out.methods["pelvis_origin"] = "mid-ASIS"
    widths = knee_widths(trial, knee_width)
    for s, S in (("l", "L"), ("r", "R")):
        sign = 1.0 if s == "l" else -1.0
        width, width_src = widths["left" if s == "l" else "right"]
        offset = (width + MARKER_DIAMETER) / 2
        how = (f"lateral marker + {offset * 1000:.1f} mm medially (knee width "
               f"{width * 1000:.0f} mm, {width_src}) along the ")
        # hip
        put(f"hip_{s}", g(f"{S}HJC"), "file/static landmark")
        if have_pelvis and f"hip_{s}" not in out:
            if harrington is None:  # both sides from one regression
                harrington = harrington_hjc(*pel)
            put(f"hip_{s}", harrington[0] if s == "l" else harrington[1],
                "Harrington 2007 regression")
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
        if f"knee_{s}" not in out and kne is not None and left_axis is not None:
            ax = hinge_axis(m, ms.clusters.get(f"{S}THIGH", []),
                            ms.clusters.get(f"{S}SHANK", []))
            if ax is not None and ax[1] < HINGE_CONDITIONING:
                # orient the axis medially (towards the other leg)
                med = ax[0] * np.sign(np.nanmedian(np.sum(ax[0] * (-sign * left_axis),
                                                          axis=1)))
                put(f"knee_{s}", kne + med * offset,
                    how + "functional flexion axis (thigh/shank clusters)")
        if f"knee_{s}" not in out and kne is not None and left_axis is not None:
            put(f"knee_{s}", kne - sign * left_axis * offset, how + "pelvis medio-lateral axis")
        if f"knee_{s}" not in out:
            put(f"knee_{s}", score_centre(m, ms.clusters.get(f"{S}THIGH", []),
                                          ms.clusters.get(f"{S}SHANK", [])),
                "SCoRE functional (thigh/shank clusters)")
        if f"knee_{s}" not in out and kne is not None and left_axis is not None:
            put(f"knee_{s}", kne - sign * left_axis * offset, how + "pelvis medio-lateral axis")
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
        if (f"heel_{s}" not in out or f"toe_{s}" not in out) and static is not None:
            shank = None
            sk = [static_centre(static.markers, ms, f"{S}KNE", f"{S}KNM"),
                  static_centre(static.markers, ms, f"{S}ANK", f"{S}MED")]
            if all(v is not None for v in sk):
                shank = float(np.linalg.norm(sk[0] - sk[1]))
            vf = virtual_foot_points(static.markers, m, ms.clusters.get(f"{S}FOOT", []),
                                     shank, ankle_static=sk[1])
            if vf is not None:
                how = (f"virtual {{}} point of the foot cluster (static trial; foot length "
                       f"{vf[2]['foot_length_m'] * 1000:.0f} mm"
                       + (" = 0.595 x static shank length)" if shank else " default)"))
                if f"ankle_{s}" in out and "ankle" in vf[2]:
                    bad = foot_cluster_outliers(vf[2]["ankle"], out[f"ankle_{s}"])
                    if bad.any():
                        vf[0][bad] = np.nan
                        vf[1][bad] = np.nan
                        out.rejected[f"heel_{s}"] = out.rejected[f"toe_{s}"] = bad
                        how += (f"; {int(bad.sum())} frames rejected (foot cluster more than "
                                f"{FOOT_CLUSTER_TOLERANCE * 1000:.0f} mm off the ankle "
                                "centre of the shank cluster: mislabelled markers)")
                put(f"heel_{s}", vf[0], how.format("heel"))
                put(f"toe_{s}", vf[1], how.format("toe"))
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
