"""The OpenSim IK route for bench_mechanics.py (bench-only dependency: ``pip install opensim``).

Builds a 16-DOF lower-limb OpenSim model directly from a trial (pelvis free joint, ball-joint
hips, pin knees and ankles whose axes are our ISB medio-lateral axes at a reference frame),
attaches the Plug-in Gait markers where they are at that frame, and runs OpenSim's
``InverseKinematicsSolver`` frame by frame — what a user without retrorun would do.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

SEGMENTS = {  # body -> (markers on it)
    "pelvis": ["LASI", "RASI", "LPSI", "RPSI"],
    "femur_l": ["LTHI", "LKNE"], "tibia_l": ["LTIB", "LANK"], "foot_l": ["LHEE", "LTOE"],
    "femur_r": ["RTHI", "RKNE"], "tibia_r": ["RTIB", "RANK"], "foot_r": ["RHEE", "RTOE"],
}


def _vec(v):
    import opensim as osim

    return osim.Vec3(float(v[0]), float(v[1]), float(v[2]))


def _rot_to_xyz_body(R):
    from scipy.spatial.transform import Rotation

    return Rotation.from_matrix(R).as_euler("XYZ")


def build_model(frames: dict, centres: dict, markers: dict, i0: int, mass: float):
    """OpenSim Model whose default pose equals the trial's pose at frame *i0*."""
    import opensim as osim

    m = osim.Model()
    m.setName("retrorun_bench_lower_limb")
    bodies = {}
    R = {k: frames[k].R[i0] for k in ("pelvis", "thigh_l", "shank_l", "foot_l", "thigh_r",
                                         "shank_r", "foot_r")}
    org = {"pelvis": frames["pelvis"].origin[i0]}
    for s in "lr":
        org[f"thigh_{s}"] = centres[f"hip_{s}"][i0]
        org[f"shank_{s}"] = centres[f"knee_{s}"][i0]
        org[f"foot_{s}"] = centres[f"ankle_{s}"][i0]
    name = {"pelvis": "pelvis", "thigh_l": "femur_l", "shank_l": "tibia_l", "foot_l": "foot_l",
            "thigh_r": "femur_r", "shank_r": "tibia_r", "foot_r": "foot_r"}
    frac = {"pelvis": 0.142, "thigh": 0.1416, "shank": 0.0433, "foot": 0.0137}
    for seg, bname in name.items():
        f = frac[seg.split("_")[0]]
        b = osim.Body(bname, f * mass, osim.Vec3(0), osim.Inertia(0.01, 0.01, 0.01))
        m.addBody(b)
        bodies[seg] = b

    def offset(parent_seg, child_seg, joint_pos, jname):
        Rp, op = R[parent_seg], org[parent_seg]
        Rc, oc = R[child_seg], org[child_seg]
        pf = osim.PhysicalOffsetFrame(
            f"{jname}_in_parent", bodies[parent_seg],
            osim.Transform(osim.Rotation(), _vec(Rp.T @ (joint_pos - op))))
        rel = Rp.T @ Rc
        ang = _rot_to_xyz_body(rel)
        pf.set_orientation(_vec(ang))
        cf = osim.PhysicalOffsetFrame(
            f"{jname}_in_child", bodies[child_seg],
            osim.Transform(osim.Rotation(), _vec(Rc.T @ (joint_pos - oc))))
        return pf, cf

    # pelvis free joint (ground -> pelvis body frame = pelvis ISB frame)
    fj = osim.FreeJoint("ground_pelvis", m.getGround(), bodies["pelvis"])
    m.addJoint(fj)
    ang = _rot_to_xyz_body(R["pelvis"])
    for k in range(3):
        fj.upd_coordinates(k).setDefaultValue(float(ang[k]))
        fj.upd_coordinates(3 + k).setDefaultValue(float(org["pelvis"][k]))
    for s in "lr":
        for jtype, par, chi, jc, jn in (
            (osim.BallJoint, "pelvis", f"thigh_{s}", centres[f"hip_{s}"][i0], f"hip_{s}"),
            (osim.PinJoint, f"thigh_{s}", f"shank_{s}", centres[f"knee_{s}"][i0], f"knee_{s}"),
            (osim.PinJoint, f"shank_{s}", f"foot_{s}", centres[f"ankle_{s}"][i0], f"ankle_{s}"),
        ):
            pf, cf = offset(par, chi, jc, jn)
            bodies[par].addComponent(pf)
            bodies[chi].addComponent(cf)
            j = jtype(jn, pf, cf)
            m.addJoint(j)
    for seg, bname in name.items():
        for mk in SEGMENTS[bname]:
            loc = R[seg].T @ (markers[mk][i0] - org[seg])
            m.addMarker(osim.Marker(mk, bodies[seg], _vec(loc)))
    m.finalizeConnections()
    return m


def write_trc(path: Path, markers: dict, names: list[str], rate: float) -> None:
    import opensim as osim

    n = markers[names[0]].shape[0]
    table = osim.TimeSeriesTableVec3()
    table.setColumnLabels(names)
    for i in range(n):
        row = osim.RowVectorVec3([_vec(markers[k][i]) for k in names])
        table.appendRow(i / rate, row)
    table.addTableMetaDataString("DataRate", str(rate))
    table.addTableMetaDataString("Units", "m")
    osim.TRCFileAdapter().write(table, str(path))


def run_ik(model, markers: dict, rate: float, frames: range) -> tuple[dict, float]:
    """OpenSim IK over *frames*; returns coordinate values (rad) and seconds taken."""
    import opensim as osim

    names = [k for v in SEGMENTS.values() for k in v]
    sub = {k: markers[k][frames.start:frames.stop] for k in names}
    with tempfile.TemporaryDirectory() as d:
        trc = Path(d) / "markers.trc"
        write_trc(trc, sub, names, rate)
        t0 = time.perf_counter()
        weights = osim.SetMarkerWeights()
        for k in names:
            weights.cloneAndAppend(osim.MarkerWeight(k, 1.0))
        mref = osim.MarkersReference(str(trc), weights)
        solver = osim.InverseKinematicsSolver(model, mref, osim.SimTKArrayCoordinateReference())
        solver.setAccuracy(1e-5)
        state = model.initSystem()
        times = np.arange(len(frames)) / rate
        state.setTime(float(times[0]))
        solver.assemble(state)
        coords = {c.getName(): [] for c in model.getCoordinateSet()}
        cs = list(model.getCoordinateSet())
        for t in times:
            state.setTime(float(t))
            solver.track(state)
            for c in cs:
                coords[c.getName()].append(c.getValue(state))
        dt = time.perf_counter() - t0
    return {k: np.asarray(v) for k, v in coords.items()}, dt
