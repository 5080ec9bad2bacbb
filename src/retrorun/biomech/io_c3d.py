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
from retrorun.biomech.units import LENGTH_SCALE, length_scale

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


def read_c3d(path: str | Path) -> Trial:
    """Read a C3D file.

    Parameters
    ----------
    path : path of the ``.c3d`` file.

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
        c = ezc3d.c3d(str(p), extract_forceplat_data=True)
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
    xyz = np.transpose(pts[:3], (2, 1, 0)).astype(float)  # (N, M, 3)
    resid = c["data"]["meta_points"].get("residuals")
    if resid is not None and resid.size:
        bad = np.transpose(resid[0], (1, 0)) < 0
        xyz[bad] = np.nan
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
    for k, pl in enumerate(c["data"].get("platform", [])):
        f = np.asarray(pl["force"], dtype=float).T
        if f.size == 0:
            continue
        pos_s = LENGTH_SCALE.get(str(pl.get("unit_position", "mm")).lower(), 1e-3)
        mom_unit = str(pl.get("unit_moment", "Nmm")).lower()
        mom_s = 1e-3 if mom_unit in ("nmm", "n.mm", "n*mm") else 1.0
        cop = np.asarray(pl["center_of_pressure"], dtype=float).T * pos_s
        tz = np.asarray(pl["Tz"], dtype=float).T * mom_s
        corners = np.asarray(pl.get("corners"), dtype=float).T * pos_s
        plates.append(ForcePlate(force=f, cop=cop, free_moment=np.nan_to_num(tz),
                                 name=f"FP{k + 1}", corners=corners))
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
    h = _param(params, "PROCESSING", "Height", None)
    if h is not None:
        meta["file_height_m"] = float(np.ravel(h)[0]) / 1000.0
    return Trial(
        markers=markers, point_rate=rate, plates=plates,
        force_rate=arate if plates else None, start_time=start,
        force_start_time=start if plates else None, analogs=analogs,
        analog_rate=arate or None, events=_read_events(params), model_outputs=outputs, meta=meta,
    )
