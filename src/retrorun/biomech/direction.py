"""Facing and travel direction; overground vs treadmill.

After :func:`~retrorun.biomech.frames.to_lab_frame` the pelvis faces +X, so *facing* is
+X by construction (ASIS ahead of PSIS, checked on load). *Travel* is found from

* the pelvis (mid-hip) horizontal velocity when it moves (overground, |v| ≥
  ``OVERGROUND_SPEED``), else
* on a treadmill, from the feet during stance: the belt carries the stance foot
  backwards relative to travel, so a stance-foot velocity along −X means forward running
  and along +X backward running. Stance frames are those where a foot is in the lowest
  quarter of its height range.

Direction is "forward" when travel agrees with facing, "backward" otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from retrorun.biomech.filters import butter_lowpass

__all__ = ["OVERGROUND_SPEED", "Direction", "detect_direction"]

#: Pelvis speed separating overground from treadmill trials, m/s (design value: slower than
#: any run or walk, faster than treadmill drift).
OVERGROUND_SPEED = 0.4


@dataclass
class Direction:
    """Result of :func:`detect_direction`.

    Attributes
    ----------
    direction : "forward" | "backward".
    mode : "overground" | "treadmill".
    travel_sign : +1 when travelling along +X (facing), -1 along -X.
    speed_m_s : overground pelvis speed or treadmill belt speed (stance-foot speed), m/s.
    pelvis_velocity_x_m_s : mean pelvis velocity along X, m/s.
    stance_foot_velocity_x_m_s : median foot velocity along X in stance, m/s.
    """

    direction: str
    mode: str
    travel_sign: int
    speed_m_s: float
    pelvis_velocity_x_m_s: float
    stance_foot_velocity_x_m_s: float | None

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def _foot_point(jc: dict[str, np.ndarray], s: str) -> np.ndarray | None:
    pts = [jc[k] for k in (f"heel_{s}", f"toe_{s}", f"ankle_{s}") if k in jc]
    return np.nanmean(np.stack(pts), axis=0) if pts else None


def stance_foot_velocity(jc: dict[str, np.ndarray], fs: float) -> float | None:
    """Median X-velocity of the feet while they are low (stance), m/s."""
    vals = []
    for s in ("l", "r"):
        p = _foot_point(jc, s)
        if p is None:
            continue
        pf = butter_lowpass(p, fs, 10.0)
        z = pf[:, 2]
        lo, hi = np.nanpercentile(z, [2, 98])
        stance = z < lo + 0.25 * (hi - lo)
        vx = np.gradient(pf[:, 0], 1.0 / fs)
        if stance.sum() > 3:
            vals.append(vx[stance & np.isfinite(vx)])
    if not vals:
        return None
    return float(np.median(np.concatenate(vals)))


def detect_direction(jc: dict[str, np.ndarray], fs: float) -> Direction:
    """Direction of a trial from its joint centres (lab frame, see module docstring).

    Parameters
    ----------
    jc : joint centres (:func:`retrorun.biomech.jointcentres.joint_centres`).
    fs : marker rate, Hz.
    """
    ref = jc.get("mid_hip", jc.get("pelvis_origin"))
    if ref is None:
        raise ValueError("no pelvis reference (hip centres) to find the travel direction")
    x = ref[:, 0]
    ok = np.isfinite(x)
    t = np.arange(len(x)) / fs
    vp = float(np.polyfit(t[ok], x[ok], 1)[0]) if ok.sum() > 2 else 0.0
    vf = stance_foot_velocity(jc, fs)
    if abs(vp) >= OVERGROUND_SPEED or vf is None:
        sign = 1 if vp >= 0 else -1
        return Direction("forward" if sign > 0 else "backward", "overground", sign, abs(vp),
                         vp, vf)
    sign = -1 if vf > 0 else 1
    return Direction("forward" if sign > 0 else "backward", "treadmill", sign, abs(vf), vp, vf)
