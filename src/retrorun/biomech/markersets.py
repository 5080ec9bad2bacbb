"""Marker-set profiles: which file labels play which anatomical role.

A profile maps **roles** to file labels. Roles (``S`` = ``L`` or ``R``):

=========  ===============================================================
LASI RASI  anterior superior iliac spines
LPSI RPSI  posterior superior iliac spines
SHJC       hip joint centre given directly (OpenCap ``RHJC_study``, static landmark)
SGTR       greater trochanter (RIC static ``L_hip``/``R_hip``)
SKNE SKNM  lateral / medial femoral epicondyle
SKJC SAJC  knee / ankle joint centres given by the file (Vicon model outputs)
SANK SMED  lateral / medial malleolus
SHEE       posterior heel (calcaneus)
STOE       forefoot / toe (a list is averaged, e.g. MT1 + MT5 heads)
SSHO SELB  shoulder (acromion), lateral elbow
SWRI SFIN  wrist, finger/hand
C7 CLAV    7th cervical vertebra, clavicle notch
HEAD       head markers (a list is averaged)
=========  ===============================================================

Clusters (rigid marker groups used to carry static landmarks and for functional joint
centres): ``PELVIS``, ``STHIGH``, ``SSHANK``, ``SFOOT``.

Profiles: ``pig_cgm`` (Plug-in Gait / CGM), ``rbds`` (RBDS/CAST cluster set, with static
trial), ``ric`` (Running Injury Clinic clusters + static), ``hamner`` (Hamner & Delp 2013),
``opencap`` (OpenCap ``_study`` markers), ``pose2sim`` (Pose2Sim / OpenPose body_25b
keypoints: joint centres are the keypoints), ``qualisys_running`` (pyorerun Running_0002).
:func:`detect_markerset` picks the profile with most labels present; a user mapping file
(JSON or TOML: ``{"base": "pig_cgm", "roles": {"LASI": "MyLASI"}, "clusters": {...}}``)
overrides it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrorun.biomech.errors import TrialFileError

__all__ = ["PROFILES", "MarkerSet", "detect_markerset", "load_mapping"]

Role = str | list[str]


@dataclass
class MarkerSet:
    """A resolved marker-set profile.

    Attributes
    ----------
    name : profile name.
    roles : role → label or list of labels (averaged).
    clusters : cluster name → list of labels (≥ 3 for tracking).
    """

    name: str
    roles: dict[str, Role] = field(default_factory=dict)
    clusters: dict[str, list[str]] = field(default_factory=dict)

    def labels(self) -> set[str]:
        """Every label the profile refers to."""
        out: set[str] = set()
        for v in self.roles.values():
            out.update([v] if isinstance(v, str) else v)
        for v in self.clusters.values():
            out.update(v)
        return out

    def get(self, markers: dict[str, np.ndarray], role: str) -> np.ndarray | None:
        """Trajectory of *role* in *markers* (mean of listed labels), ``None`` if absent."""
        lab = self.roles.get(role)
        if lab is None:
            return None
        labs = [lab] if isinstance(lab, str) else lab
        arrs = [markers[x] for x in labs if x in markers]
        if not arrs:
            return None
        if len(arrs) == 1:
            return arrs[0]
        return np.mean(np.stack(arrs), axis=0)

    def has(self, markers: dict[str, np.ndarray], role: str) -> bool:
        """True when *role* resolves in *markers*."""
        return self.get(markers, role) is not None


def _sided(fmt: dict[str, Role], left: str, right: str) -> dict[str, Role]:
    """Expand ``{"HEE": "{s}HEE"}`` into ``LHEE``/``RHEE`` roles with side tokens."""
    out: dict[str, Role] = {}
    for role, pat in fmt.items():
        for side, tok in (("L", left), ("R", right)):
            out[side + role] = (pat.format(s=tok) if isinstance(pat, str)
                                else [p.format(s=tok) for p in pat])
    return out


def _sided_clusters(fmt: dict[str, list[str]], left: str, right: str) -> dict[str, list[str]]:
    out = {}
    for name, pats in fmt.items():
        for side, tok in (("L", left), ("R", right)):
            out[side + name] = [p.format(s=tok) for p in pats]
    return out


PROFILES: dict[str, MarkerSet] = {
    "pig_cgm": MarkerSet(
        "pig_cgm",
        roles={"LASI": "LASI", "RASI": "RASI", "LPSI": "LPSI", "RPSI": "RPSI", "C7": "C7",
               "CLAV": "CLAV", "HEAD": ["LFHD", "RFHD", "LBHD", "RBHD"],
               **_sided({"HEE": "{s}HEE", "TOE": "{s}TOE", "ANK": "{s}ANK", "MED": "{s}MED",
                         "KNE": "{s}KNE", "KNM": "{s}KNM", "KJC": "{s}KJC", "AJC": "{s}AJC",
                         "HJC": "{s}HJC", "SHO": "{s}SHO", "ELB": "{s}ELB",
                         "WRI": ["{s}WRA", "{s}WRB"], "FIN": "{s}FIN"}, "L", "R")},
    ),
    "rbds": MarkerSet(
        "rbds",
        roles={"LASI": "L.ASIS", "RASI": "R.ASIS", "LPSI": "L.PSIS", "RPSI": "R.PSIS",
               **_sided({"HEE": "{s}.Heel.Bottom", "TOE": ["{s}.MT1", "{s}.MT5"],
                         "MT5": "{s}.MT5", "ANK": "{s}.Ankle", "MED": "{s}.Ankle.Medial",
                         "KNE": "{s}.Knee", "KNM": "{s}.Knee.Medial"}, "L", "R")},
        clusters={"PELVIS": ["L.ASIS", "R.ASIS", "L.PSIS", "R.PSIS", "L.Iliac.Crest",
                             "R.Iliac.Crest"],
                  **_sided_clusters({
                      "THIGH": ["{s}.Thigh.Top.Lateral", "{s}.Thigh.Top.Medial",
                                "{s}.Thigh.Bottom.Lateral", "{s}.Thigh.Bottom.Medial"],
                      "SHANK": ["{s}.Shank.Top.Lateral", "{s}.Shank.Top.Medial",
                                "{s}.Shank.Bottom.Lateral", "{s}.Shank.Bottom.Medial"],
                      "FOOT": ["{s}.Heel.Bottom", "{s}.Heel.Lateral", "{s}.Heel.Top",
                               "{s}.MT1", "{s}.MT5"]}, "L", "R")},
    ),
    "ric": MarkerSet(
        "ric",
        roles={**_sided({"GTR": "{s}_hip", "KNE": "{s}_lat_knee", "KNM": "{s}_med_knee",
                         "ANK": "{s}_lat_ankle", "MED": "{s}_med_ankle"}, "L", "R")},
        clusters={"PELVIS": ["pelvis_1", "pelvis_2", "pelvis_3", "pelvis_4"],
                  **_sided_clusters({"THIGH": [f"{{s}}_thigh_{i}" for i in range(1, 5)],
                                     "SHANK": [f"{{s}}_shank_{i}" for i in range(1, 5)],
                                     "FOOT": [f"{{s}}_foot_{i}" for i in range(1, 5)]},
                                    "L", "R")},
    ),
    "hamner": MarkerSet(
        "hamner",
        roles={"LASI": "LASI", "RASI": "RASI", "LPSI": "LPSI", "RPSI": "RPSI", "C7": "C7",
               "CLAV": "CLAV",
               **_sided({"HEE": "{s}CAL", "TOE": "{s}TOE", "MT5": "{s}MT5", "SHO": "{s}ACR",
                         "ELB": ["{s}LEL", "{s}MEL"], "WRI": ["{s}FAradius", "{s}FAulna"]},
                        "L", "R")},
        clusters={"PELVIS": ["LASI", "RASI", "LPSI", "RPSI"],
                  **_sided_clusters({"THIGH": ["{s}TH1", "{s}TH2", "{s}TH3"],
                                     "SHANK": ["{s}TB1", "{s}TB2", "{s}TB3"],
                                     "FOOT": ["{s}CAL", "{s}TOE", "{s}MT5"]}, "L", "R")},
    ),
    "opencap": MarkerSet(
        "opencap",
        roles={"LASI": "L.ASIS_study", "RASI": "r.ASIS_study", "LPSI": "L.PSIS_study",
               "RPSI": "r.PSIS_study", "C7": "C7_study", "LHJC": "LHJC_study",
               "RHJC": "RHJC_study", "HEAD": ["Nose", "Neck"],
               **_sided({"HEE": "{s}_calc_study", "TOE": "{s}_toe_study",
                         "MT5": "{s}_5meta_study", "ANK": "{s}_ankle_study",
                         "MED": "{s}_mankle_study", "KNE": "{s}_knee_study",
                         "KNM": "{s}_mknee_study", "SHO": "{s}_shoulder_study",
                         "ELB": ["{s}_lelbow_study", "{s}_melbow_study"],
                         "WRI": ["{s}_lwrist_study", "{s}_mwrist_study"]}, "L", "r")},
        clusters=_sided_clusters({"THIGH": ["{s}_thigh1_study", "{s}_thigh2_study",
                                            "{s}_thigh3_study"],
                                  "SHANK": ["{s}_sh1_study", "{s}_sh2_study", "{s}_sh3_study"]},
                                 "L", "r"),
    ),
    "pose2sim": MarkerSet(
        "pose2sim",
        roles={"C7": "Neck", "HEAD": ["Head", "Nose"],
               **_sided({"HJC": "{s}Hip", "KJC": "{s}Knee", "AJC": "{s}Ankle",
                         "HEE": "{s}Heel", "TOE": ["{s}BigToe", "{s}SmallToe"],
                         "SHO": "{s}Shoulder", "ELB": "{s}Elbow", "WRI": "{s}Wrist"},
                        "L", "R")},
    ),
    "qualisys_running": MarkerSet(
        "qualisys_running",
        roles={"LASI": "LASIS", "RASI": "RASIS", "LPSI": "LBackAsis", "RPSI": "RBackAsis",
               "C7": "C7", "CLAV": "Clav", "HEAD": ["LHeadTamp", "LHeadBack", "RHeadBack",
                                                     "RHeadTamp"],
               **_sided({"HEE": "{s}Heel", "TOE": ["{s}MT1", "{s}MT5"], "MT5": "{s}MT5",
                         "ANK": "{s}AnkleLat", "KNE": "{s}KneeLat", "SHO": "{s}Acromium",
                         "ELB": "{s}ElbowLat", "WRI": ["{s}WristLat", "{s}WristMed"],
                         "FIN": "{s}Finger"}, "L", "R")},
        clusters={"PELVIS": ["LASIS", "RASIS", "LBackAsis", "RBackAsis"],
                  **_sided_clusters({
                      "THIGH": ["{s}ThighUpperC", "{s}ThighFrontC", "{s}ThighRearC",
                                "{s}ThighDownC"],
                      "SHANK": ["{s}ShankUpperC", "{s}ShankFrontC", "{s}ShankDownC"],
                      "FOOT": ["{s}Heel", "{s}CalcExt", "{s}CalcInt", "{s}MT1", "{s}MT5"]},
                      "L", "R")},
    ),
}


def detect_markerset(labels: set[str] | list[str], static_labels: set[str] | None = None
                     ) -> MarkerSet:
    """Pick the profile whose labels best match *labels* (plus a static trial's).

    The score is the fraction of the profile's labels found; ties go to the profile
    with more matches. Raises ``ValueError`` when no profile matches 30 % of its labels.
    """
    have = set(labels) | set(static_labels or ())
    best, best_key = None, (-1.0, -1)
    for prof in PROFILES.values():
        want = prof.labels()
        found = len(want & have)
        key = (found / max(len(want), 1), found)
        if key > best_key:
            best, best_key = prof, key
    if best is None or best_key[0] < 0.3:
        raise ValueError(
            "no marker-set profile matches these labels; pass a mapping file "
            f"(--mapping) — labels seen: {sorted(have)[:20]}..."
        )
    return best


def load_mapping(path: str | Path) -> MarkerSet:
    """Read a user mapping (JSON or TOML) into a :class:`MarkerSet`.

    Keys: ``base`` (optional profile name to start from), ``roles`` (role → label or list),
    ``clusters`` (name → list of labels).
    """
    p = Path(path)
    if not p.is_file():
        raise TrialFileError(p, "mapping file not found")
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(p.read_text(encoding="utf-8"))
        else:
            data = json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrialFileError(p, f"mapping file is not valid JSON/TOML ({exc})") from None
    if not isinstance(data, dict):
        raise TrialFileError(p, "mapping file must hold a table/object")
    base = data.get("base")
    if base is not None and base not in PROFILES:
        raise TrialFileError(p, f"unknown base profile {base!r}; known: {sorted(PROFILES)}")
    roles = dict(PROFILES[base].roles) if base else {}
    clusters = dict(PROFILES[base].clusters) if base else {}
    for k, v in (data.get("roles") or {}).items():
        if not isinstance(v, str | list):
            raise TrialFileError(p, f"role {k!r} must map to a label or a list of labels")
        roles[str(k)] = v
    for k, v in (data.get("clusters") or {}).items():
        if not isinstance(v, list) or len(v) < 3:
            raise TrialFileError(p, f"cluster {k!r} must list at least 3 labels")
        clusters[str(k)] = [str(x) for x in v]
    return MarkerSet(name=f"user:{p.name}", roles=roles, clusters=clusters)
