"""Body-segment parameters of de Leva (1996).

de Leva P. (1996) Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters.
J Biomech 29(9):1223-1230, Table 4 (values also coded in pyomeca/biorbd
``examples/python3/de_leva``).

For each segment: mass as a fraction of body mass, centre-of-mass position as a fraction
of the segment length **from the proximal (first) endpoint**, and radii of gyration as a
fraction of the segment length about the sagittal (flexion, medio-lateral), transverse
(ab/adduction, antero-posterior) and longitudinal axes through the segment COM.

Endpoints (de Leva's names → retrorun joint-centre keys):
head VERT→CERV (vertex → C7), trunk CERV→MIDH (C7 → mid-hip), upper arm SJC→EJC,
forearm EJC→WJC, hand WJC→MET3 (finger), thigh HJC→KJC, shank KJC→AJC (de Leva: LMAL),
foot HEEL→TTIP (heel → toe tip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DE_LEVA", "SEGMENT_ENDPOINTS", "Segment", "segment_inertia", "segment_mass"]


@dataclass(frozen=True)
class Segment:
    """de Leva parameters of one segment (dimensionless fractions)."""

    mass_fraction: float
    com_fraction: float  # from the proximal endpoint
    r_sagittal: float
    r_transverse: float
    r_longitudinal: float
    #: bilateral segment (one per side)
    bilateral: bool = True


#: ``DE_LEVA[sex][segment]`` with sex "male"/"female"; segments head, trunk, upper_arm,
#: forearm, hand, thigh, shank, foot.
DE_LEVA: dict[str, dict[str, Segment]] = {
    "male": {
        "head": Segment(0.0694, 0.5002, 0.303, 0.315, 0.261, bilateral=False),
        "trunk": Segment(0.4346, 0.5138, 0.328, 0.306, 0.169, bilateral=False),
        "upper_arm": Segment(0.0271, 0.5772, 0.285, 0.269, 0.158),
        "forearm": Segment(0.0162, 0.4574, 0.276, 0.265, 0.121),
        "hand": Segment(0.0061, 0.7900, 0.628, 0.513, 0.401),
        "thigh": Segment(0.1416, 0.4095, 0.329, 0.329, 0.149),
        "shank": Segment(0.0433, 0.4459, 0.255, 0.249, 0.103),
        "foot": Segment(0.0137, 0.4415, 0.257, 0.245, 0.124),
    },
    "female": {
        "head": Segment(0.0668, 0.4841, 0.271, 0.295, 0.261, bilateral=False),
        "trunk": Segment(0.4257, 0.4964, 0.307, 0.292, 0.147, bilateral=False),
        "upper_arm": Segment(0.0255, 0.5754, 0.278, 0.260, 0.148),
        "forearm": Segment(0.0138, 0.4559, 0.261, 0.257, 0.094),
        "hand": Segment(0.0056, 0.7474, 0.531, 0.454, 0.335),
        "thigh": Segment(0.1478, 0.3612, 0.369, 0.364, 0.162),
        "shank": Segment(0.0481, 0.4416, 0.271, 0.267, 0.093),
        "foot": Segment(0.0129, 0.4014, 0.299, 0.279, 0.124),
    },
}

#: Proximal and distal endpoint keys (``{s}`` = ``l``/``r``) used by :mod:`com`.
SEGMENT_ENDPOINTS: dict[str, tuple[str, str]] = {
    "head": ("vertex", "c7"),
    "trunk": ("c7", "mid_hip"),
    "upper_arm": ("shoulder_{s}", "elbow_{s}"),
    "forearm": ("elbow_{s}", "wrist_{s}"),
    "hand": ("wrist_{s}", "finger_{s}"),
    "thigh": ("hip_{s}", "knee_{s}"),
    "shank": ("knee_{s}", "ankle_{s}"),
    "foot": ("heel_{s}", "toe_{s}"),
}

#: Design values (not from de Leva's table): segment lengths as fractions of stature used
#: only when a segment's endpoints are not measured (e.g. no C7 or head marker).
#: de Leva's mean male stature 1741 mm, head VERT–CERV ≈ 0.14, trunk CERV–MIDH ≈ 0.30.
FALLBACK_LENGTH_FRACTION = {"head": 0.14, "trunk": 0.30}


def segment_mass(body_mass: float, segment: str, sex: str = "male") -> float:
    """Mass of one *segment* (one side for bilateral segments), kg."""
    return body_mass * DE_LEVA[sex][segment].mass_fraction


def segment_inertia(body_mass: float, length: float | np.ndarray, segment: str,
                    sex: str = "male") -> np.ndarray:
    """Principal moments of inertia about the segment COM, kg·m².

    Returns ``[..., 3]`` for (sagittal, transverse, longitudinal) axes:
    ``I = m (r · L)²`` with *length* L in m (scalar or array).
    """
    s = DE_LEVA[sex][segment]
    m = body_mass * s.mass_fraction
    L = np.asarray(length, dtype=float)[..., None]
    r = np.array([s.r_sagittal, s.r_transverse, s.r_longitudinal])
    return m * (r * L) ** 2
