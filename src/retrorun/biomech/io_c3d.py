"""C3D reader (through ezc3d) → :class:`~retrorun.biomech.trial.Trial` in file axes.

Markers are scaled from ``POINT:UNITS`` to metres. Points listed in the ``POINT:ANGLES``,
``FORCES``, ``MOMENTS``, ``POWERS`` groups are model outputs and are stored unscaled in
``Trial.model_outputs`` (kineticstoolkit issue #147). Force plates of types 1-4 come from
ezc3d's ``extract_forceplat_data`` (force N, COP and free moment converted to m and N·m).
Events of the ``EVENT`` group ("Foot Strike"/"Foot Off", context Left/Right) are kept.
The frame is *not* changed here; :func:`retrorun.biomech.io.load_trial` does that.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrorun.biomech.errors import TrialFileError
from retrorun.biomech.trial import FILE_FRAME, ForcePlate, Trial
from retrorun.biomech.units import length_scale

__all__ = ["read_c3d"]

_COMPUTED_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
#: A plate COP is only meaningful above this vertical load (N).
COP_MIN_FORCE = 10.0


def _param(params: dict, group: str, name: str, default=None):
    try:
        return params[group][name]["value"]
    except (KeyError, TypeError):
        return default


def _event_kind(label: str) -> str | None:
    s = label.strip().lower().replace("_", " ")
    if "strike" in s or "contact" in s or s in {"hs", "ic", "fs"}:
        return "foot_strike"
    if "off" in s or s in {"to", "fo", "tc"}:
        return "toe_off"
    return None


def _read_events(params: dict) -> dict[str, dict[str, np.ndarray]]:
    labels = list(_param(params, "EVENT", "LABELS", []) or [])
    contexts = list(_param(params, "EVENT", "CONTEXTS", []) or [])
    times = _param(params, "EVENT", "TIMES", None)
    used = _param(params, "EVENT", "USED", [0])
    n = int(np.asarray(used).ravel()[0]) if used is not None and len(np.ravel(used)) else 0
    out: dict[str, dict[str, list[float]]] = {}
    if n == 0 or times is None or not labels:
        return {}
    t = np.asarray(times, dtype=float)
    if t.ndim == 2 and t.shape[0] == 2:
        secs = t[0] * 60.0 + t[1]
    else:
        secs = t.ravel()
    for i in range(min(n, len(labels), len(contexts), secs.size)):
        kind = _event_kind(labels[i])
        side = contexts[i].strip().lower()
        if kind is None or side not in ("left", "right"):
            continue
        out.setdefault(side, {}).setdefault(kind, []).append(float(secs[i]))
    return {s: {k: np.sort(np.asarray(v)) for k, v in d.items()} for s, d in out.items()}


def _check_size(p: Path) -> None:
    """Compare the file size with what the C3D header promises (ezc3d silently reads a
    truncated data section and rewrites its header to match)."""
    import struct

    with p.open("rb") as fh:
        head = fh.read(512)
        if len(head) < 512:
            raise TrialFileError(p, f"truncated: only {len(head)} bytes, a C3D header is 512")
        if head[1] != 0x50:
            raise TrialFileError(p, "not a C3D file (header key byte is not 0x50)")
        fh.seek(512 * (head[0] - 1) + 3 if head[0] >= 1 else 3)
        proc = fh.read(1)
    proc_type = proc[0] - 83 if proc else 1  # 1 Intel, 2 DEC, 3 MIPS
    if proc_type == 2:
        return  # DEC floats: leave the size check to ezc3d
    end = ">" if proc_type == 3 else "<"
    n_pts, n_an, first, last = struct.unpack(end + "4H", head[2:10])
    scale = struct.unpack(end + "f", head[12:16])[0]
    data_start = struct.unpack(end + "H", head[16:18])[0]
    if last == 0xFFFF or last < first or data_start < 2:
        return
    word = 4 if scale < 0 else 2
    frame_bytes = (4 * n_pts + n_an) * word
    n_frames = last - first + 1
    need = (data_start - 1) * 512 + n_frames * frame_bytes
    size = p.stat().st_size
    if size < need:
        have = max(0, (size - (data_start - 1) * 512) // max(frame_bytes, 1))
        raise TrialFileError(
            p, f"truncated: header promises {n_frames} frames ({need} bytes) but the file has "
            f"{size} bytes (about {have} frames)"
        )


def _fp_param(fp: dict, name: str) -> np.ndarray | None:
    v = fp.get(name, {}).get("value")
    return None if v is None else np.asarray(v)


def plates_from_analogs(params: dict, analogs: np.ndarray) -> list[dict]:
    """Force-plate force, COP and free moment for plate types 1-4, vectorised.

    Same definitions as ezc3d's ``ForcePlatform`` module (C3D user guide; types 1-4,
    Kistler type-3 COP polynomial), computed with numpy over all samples at once —
    ezc3d's Python extraction converts every sample separately and dominates the load
    time of long trials. Checked against ezc3d on the real files in the tests.

    Parameters
    ----------
    params : ezc3d parameter dict. analogs : (n_channels, n_samples), scaled analogs.

    Returns
    -------
    list of dicts with ``force`` (n, 3) N, ``cop`` (n, 3) and ``corners`` (3, 4) in
    POINT units, ``tz`` (n, 3) in N·(POINT unit), ``type``.
    """
    fp = params.get("FORCE_PLATFORM")
    if not fp:
        return []
    used = _fp_param(fp, "USED")
    n_used = int(np.ravel(used)[0]) if used is not None and used.size else 0
    types = np.ravel(_fp_param(fp, "TYPE")).astype(int)
    corners_all = _fp_param(fp, "CORNERS")
    origin_all = _fp_param(fp, "ORIGIN")
    channel_all = _fp_param(fp, "CHANNEL")
    cal_all = _fp_param(fp, "CAL_MATRIX")
    poly_all = _fp_param(fp, "FPCOPPOLY")
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(n_used):
            out.append(_one_plate(k, int(types[k]), corners_all, origin_all, channel_all,
                                  cal_all, poly_all, analogs))
    return out


def _one_plate(k: int, typ: int, corners_all: np.ndarray, origin_all: np.ndarray,
               channel_all: np.ndarray, cal_all: np.ndarray | None,
               poly_all: np.ndarray | None, analogs: np.ndarray) -> dict:
    if typ not in (1, 2, 3, 4):
        raise ValueError(f"force platform type {typ} is not supported (types 1-4 are)")
    c = corners_all[:, :, k].astype(float)  # (3, 4)
    origin = origin_all[:, k].astype(float).copy()
    if typ == 1:
        origin[:2] = 0.0
    if origin[2] > 0:
        origin = -origin
    ax_x = c[:, 0] - c[:, 1]
    ax_y = c[:, 0] - c[:, 3]
    ax_z = np.cross(ax_x, ax_y)
    ax_y = np.cross(ax_z, ax_x)
    rot = np.stack([v / np.linalg.norm(v) for v in (ax_x, ax_y, ax_z)], axis=1)
    mean_c = c.mean(axis=1)
    nch = 8 if typ == 3 else 6
    ch = analogs[channel_all[:nch, k].astype(int) - 1].T.astype(float)  # (n, nch)
    if typ == 1:
        f_raw = ch[:, :3]
        cop_raw = np.column_stack([ch[:, 3], ch[:, 4], np.zeros(len(ch))])
        tz_raw = np.column_stack([np.zeros((len(ch), 2)), ch[:, 5]])
        return {"type": typ, "force": f_raw @ rot.T, "cop": cop_raw @ rot.T + mean_c,
                "tz": tz_raw @ rot.T, "corners": c}
    if typ == 3:
        f_raw = np.column_stack([ch[:, 0] + ch[:, 1], ch[:, 2] + ch[:, 3],
                                 ch[:, 4:8].sum(axis=1)])
        m_raw = np.column_stack([
            origin[1] * (ch[:, 4] + ch[:, 5] - ch[:, 6] - ch[:, 7]),
            origin[0] * (ch[:, 5] + ch[:, 6] - ch[:, 4] - ch[:, 7]),
            origin[1] * (ch[:, 1] - ch[:, 0]) + origin[0] * (ch[:, 2] - ch[:, 3])])
        m_raw = m_raw + np.cross(f_raw, np.array([0.0, 0.0, origin[2]]))
    else:
        raw = ch
        if typ == 4:
            cal = cal_all[:, :, k].astype(float) if cal_all is not None and \
                cal_all.ndim == 3 and cal_all.shape[2] > k else np.eye(6)
            if cal.size == 0:
                cal = np.eye(6)
            raw = raw @ cal.T
        f_raw, m_raw = raw[:, :3], raw[:, 3:] + np.cross(raw[:, :3], origin)
    cop_raw = np.column_stack([-m_raw[:, 1] / f_raw[:, 2], m_raw[:, 0] / f_raw[:, 2],
                               np.zeros(len(f_raw))])
    if typ == 3 and poly_all is not None and poly_all.size >= 12 * (k + 1):
        q = poly_all.reshape(-1, order="F")[12 * k:12 * (k + 1)].astype(float)
        x, y = cop_raw[:, 0], cop_raw[:, 1]
        dx = (q[0] * y**4 + q[1] * y**2 + q[2]) * x**3 + (q[3] * y**4 + q[4] * y**2
                                                         + q[5]) * x
        dy = (q[6] * x**4 + q[7] * x**2 + q[8]) * y**3 + (q[9] * x**4 + q[10] * x**2
                                                         + q[11]) * y
        cop_raw[:, 0] -= dx
        cop_raw[:, 1] -= dy
    tz = (m_raw + np.cross(f_raw, cop_raw)) @ rot.T
    return {"type": typ, "force": f_raw @ rot.T, "cop": cop_raw @ rot.T + mean_c,
            "tz": tz, "corners": c}


def _ezc3d_lean(path: str) -> dict:
    """Header, parameters, points and analogs of a C3D through ezc3d's own (SWIG) API.

    The same parse as ``ezc3d.c3d(path)`` without converting what retrorun never reads
    (camera masks, residuals — ezc3d already sets points with a negative residual to
    NaN — and rotations): about 10 % of the load time of a 30 s trial.
    """
    from ezc3d import c3d as c3d_wrapper
    from ezc3d import ezc3d as swig

    sw = swig.c3d(path, swig.Options())
    h = sw.header()
    return {
        "header": {"points": {"frame_rate": h.frameRate(), "first_frame": h.firstFrame(),
                              "last_frame": h.lastFrame()}},
        "parameters": c3d_wrapper.Parameters(sw.parameters()),
        "data": {"points": sw.get_points(), "analogs": sw.get_analogs()},
    }


def read_c3d(path: str | Path, *, plate_engine: str = "numpy") -> Trial:
    """Read a C3D file.

    Parameters
    ----------
    path : path of the ``.c3d`` file.
    plate_engine : "numpy" (default, :func:`plates_from_analogs`) or "ezc3d"
        (``extract_forceplat_data``; slower, used as the reference in tests).

    Returns
    -------
    Trial in the file's axes (``meta["frame"] == "file"``), SI units.

    Raises
    ------
    TrialFileError
        Missing, empty, corrupt or truncated file (fewer frames than the header says).
    """
    import ezc3d

    p = Path(path)
    if not p.is_file():
        raise TrialFileError(p, "file not found")
    if p.stat().st_size == 0:
        raise TrialFileError(p, "file is empty")
    _check_size(p)
    try:
        if plate_engine == "ezc3d":
            c = ezc3d.c3d(str(p), extract_forceplat_data=True)
        else:
            c = _ezc3d_lean(str(p))
    except Exception as exc:  # ezc3d raises RuntimeError/OSError with terse messages
        raise TrialFileError(p, f"not a readable C3D file ({exc})") from None
    params = c["parameters"]
    header = c["header"]["points"]
    rate = float(header.get("frame_rate") or np.ravel(_param(params, "POINT", "RATE", [0]))[0])
    if not rate or rate <= 0:
        raise TrialFileError(p, "POINT:RATE is missing or not positive")
    pts = c["data"]["points"]
    expected = int(header["last_frame"]) - int(header["first_frame"]) + 1
    n = int(pts.shape[2])
    if expected > 0 and n < expected:
        raise TrialFileError(
            p, f"truncated: header promises {expected} frames but only {n} could be read"
        )
    labels = [str(s) for s in (_param(params, "POINT", "LABELS", []) or [])]
    labels += [str(s) for s in (_param(params, "POINT", "LABELS2", []) or [])]
    labels = labels[: pts.shape[1]]
    if len(labels) < pts.shape[1]:
        labels += [f"point_{i}" for i in range(len(labels), pts.shape[1])]
    computed: set[str] = set()
    for g in _COMPUTED_GROUPS:
        computed.update(str(s) for s in (_param(params, "POINT", g, []) or []))
    # ezc3d already gives NaN where the residual is negative (invalid point, C3D spec)
    xyz = np.transpose(pts[:3], (2, 1, 0)).astype(float)  # (N, M, 3)
    xyz[(xyz == 0.0).all(axis=2)] = np.nan  # (0, 0, 0) is the usual "missing" marker
    marker_idx = [i for i, lab in enumerate(labels) if lab not in computed]
    unit = (_param(params, "POINT", "UNITS", [""]) or [""])[0]
    scale, unit_used = length_scale(unit, xyz[:, marker_idx] if marker_idx else None)
    markers: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    for i, lab in enumerate(labels):
        if lab in computed:
            outputs[lab] = xyz[:, i].copy()
        elif lab.strip():
            markers[lab.strip()] = xyz[:, i] * scale
    # analogs and plates
    arate = float(np.ravel(_param(params, "ANALOG", "RATE", [0]) or [0])[0] or 0.0)
    an = c["data"]["analogs"]
    analogs: dict[str, np.ndarray] = {}
    alabels = [str(s) for s in (_param(params, "ANALOG", "LABELS", []) or [])]
    if an.size:
        exp_an = expected * max(1, round(arate / rate)) if arate else 0
        if exp_an and an.shape[2] < exp_an:
            raise TrialFileError(p, f"truncated analog data ({an.shape[2]} of {exp_an} samples)")
        for i in range(an.shape[1]):
            analogs[alabels[i] if i < len(alabels) else f"analog_{i}"] = an[0, i].astype(float)
    plates: list[ForcePlate] = []
    pos_s = scale if scale else 1e-3  # plate geometry is in POINT units
    if plate_engine == "ezc3d":
        raw_plates = [{"force": np.asarray(pl["force"], float).T,
                       "cop": np.asarray(pl["center_of_pressure"], float).T,
                       "tz": np.asarray(pl["Tz"], float).T,
                       "corners": np.asarray(pl["corners"], float)}
                      for pl in c["data"].get("platform", [])]
    else:
        try:
            raw_plates = plates_from_analogs(params, an[0]) if an.size else []
        except (ValueError, IndexError, TypeError) as exc:
            raise TrialFileError(p, f"force platform parameters unusable ({exc})") from None
    for k, pl in enumerate(raw_plates):
        if pl["force"].size == 0:
            continue
        plates.append(ForcePlate(force=pl["force"], cop=pl["cop"] * pos_s,
                                 free_moment=np.nan_to_num(pl["tz"]) * pos_s,
                                 name=f"FP{k + 1}", corners=pl["corners"].T * pos_s))
    first = int(header["first_frame"])
    start = first / rate
    meta = {
        "source": str(p),
        "format": "c3d",
        "units": {"length": unit_used, "force": "N"},
        "frame": FILE_FRAME,
        "plate_types": [int(x) for x in np.ravel(_param(params, "FORCE_PLATFORM", "TYPE", []))],
        "computed_point_units": {
            g: (_param(params, "POINT", f"{g[:-1]}_UNITS", [""]) or [""])[0]
            for g in ("ANGLES", "MOMENTS", "FORCES", "POWERS")
        },
    }
    bm = _param(params, "PROCESSING", "Bodymass", None)
    if bm is not None:
        meta["file_body_mass_kg"] = float(np.ravel(bm)[0])
    for side, S in (("left", "L"), ("right", "R")):
        tt = _param(params, "PROCESSING", f"{S}TibialTorsion", None)
        if tt is not None:  # Plug-in Gait: rad, negative = external torsion
            meta.setdefault("file_tibial_torsion_deg", {})[side] = float(
                -np.degrees(np.ravel(tt)[0]))
        kw = _param(params, "PROCESSING", f"{S}KneeWidth", None)
        if kw is not None and float(np.ravel(kw)[0]) > 0:  # Plug-in Gait: mm
            meta.setdefault("file_knee_width_m", {})[side] = float(np.ravel(kw)[0]) / 1000.0
    h = _param(params, "PROCESSING", "Height", None)
    if h is not None:
        meta["file_height_m"] = float(np.ravel(h)[0]) / 1000.0
    return Trial(
        markers=markers, point_rate=rate, plates=plates,
        force_rate=arate if plates else None, start_time=start,
        force_start_time=start if plates else None, analogs=analogs,
        analog_rate=arate or None, events=_read_events(params), model_outputs=outputs, meta=meta,
    )
