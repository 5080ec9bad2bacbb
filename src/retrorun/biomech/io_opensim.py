"""Readers for OpenSim-family text files: TRC markers, MOT/STO tables, GRF .mot.

* TRC (``PathFileType 4``): marker trajectories, units from the ``Units`` header field.
* MOT/STO, both the OpenSim 4 header (``nRows=``, ``inDegrees=``, ``endheader``) and the
  old SIMM header of the Hamner 2013 files (``name``, ``datacolumns``, ``datarows``,
  ``range``, ``endheader``). Columns named ``<MARKER>_tx/_ty/_tz`` (Hamner IK files embed the
  experimental markers like that) become markers (m); other columns are kept as
  model outputs (coordinates in deg or m).
* GRF .mot: column groups ``<prefix>[ground_]force_v{x,y,z}``, ``..._p{x,y,z}`` (COP),
  ``[ground_]torque_{x,y,z}``; a prefix starting with ``R``/``r``/``right`` is a right-foot
  channel (fixed foot), ``L``/``l`` left, anything else a plate any foot may hit.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from retrorun.biomech.errors import TrialFileError
from retrorun.biomech.trial import FILE_FRAME, ForcePlate, Trial
from retrorun.biomech.units import length_scale

__all__ = ["MotTable", "plates_from_table", "read_mot", "read_trc", "trial_from_mot"]


class MotTable:
    """A parsed MOT/STO file: ``header`` dict, ``labels`` list, ``data`` (rows, cols)."""

    def __init__(self, path: Path, header: dict[str, str], labels: list[str], data: np.ndarray):
        self.path = path
        self.header = header
        self.labels = labels
        self.data = data

    def column(self, name: str) -> np.ndarray:
        """Column *name* as a 1-D array."""
        return self.data[:, self.labels.index(name)]

    @property
    def time(self) -> np.ndarray:
        """The ``time`` column, s."""
        return self.column("time")

    @property
    def in_degrees(self) -> bool:
        """True unless the header says ``inDegrees=no``."""
        return self.header.get("indegrees", "yes").strip().lower() != "no"


def _read_text(p: Path) -> list[str]:
    if not p.is_file():
        raise TrialFileError(p, "file not found")
    raw = p.read_bytes()
    if not raw.strip():
        raise TrialFileError(p, "file is empty")
    if b"\x00" in raw[:4096]:
        raise TrialFileError(p, "binary content where a text file was expected")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.splitlines()


def _parse_rows(p: Path, rows: list[str], ncols: int, what: str) -> np.ndarray:
    rows = [r for r in rows if r.strip()]
    if not rows:
        raise TrialFileError(p, f"no {what} rows after the header")
    try:
        flat = np.array("\n".join(rows).split(), dtype=float)
    except ValueError as exc:
        raise TrialFileError(p, f"non-numeric value in the {what} ({exc})") from None
    if flat.size % ncols:
        raise TrialFileError(
            p, f"{what} is truncated or ragged: {flat.size} values is not a multiple of "
            f"{ncols} columns",
        )
    data = flat.reshape(-1, ncols)
    if data.shape[0] != len(rows):
        raise TrialFileError(p, f"{what} has rows with a wrong number of columns")
    return data


def read_mot(path: str | Path) -> MotTable:
    """Read an OpenSim .mot/.sto file (new or old SIMM header).

    Raises
    ------
    TrialFileError
        No ``endheader``, no ``time`` column, ragged rows, or fewer rows than the header
        (``nRows``/``datarows``) promises.
    """
    p = Path(path)
    lines = _read_text(p)
    try:
        end = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "endheader")
    except StopIteration:
        raise TrialFileError(p, "no 'endheader' line: not an OpenSim .mot/.sto file") from None
    header: dict[str, str] = {}
    for ln in lines[:end]:
        s = ln.strip()
        if "=" in s:
            k, v = s.split("=", 1)
            header[k.strip().lower()] = v.strip()
        elif s:
            parts = s.split(None, 1)
            if len(parts) == 2:
                header.setdefault(parts[0].lower(), parts[1])
    body = lines[end + 1:]
    while body and not body[0].strip():
        body = body[1:]
    if not body:
        raise TrialFileError(p, "no column labels after 'endheader'")
    labels = body[0].split()
    if not labels or labels[0].lower() != "time":
        raise TrialFileError(p, "first column must be 'time'")
    data = _parse_rows(p, body[1:], len(labels), "data table")
    promised = header.get("nrows") or header.get("datarows")
    if promised is not None:
        try:
            n_prom = int(float(promised))
        except ValueError:
            n_prom = None
        if n_prom is not None and data.shape[0] < n_prom:
            raise TrialFileError(
                p, f"truncated: header promises {n_prom} rows but only {data.shape[0]} are present"
            )
    if data.shape[0] > 1 and np.any(np.diff(data[:, 0]) <= 0):
        raise TrialFileError(p, "time column is not strictly increasing")
    return MotTable(p, header, labels, data)


_FORCE_RE = re.compile(r"^(.*?)(?:ground_)?force_v([xyz])$")
_COP_RE = re.compile(r"^(.*?)(?:ground_)?force_p([xyz])$")
_TORQUE_RE = re.compile(r"^(.*?)(?:ground_)?torque_([xyz])$")


def _foot_of(prefix: str) -> str | None:
    s = prefix.strip("_").lower()
    if s in ("r", "right") or s.startswith(("r_", "right")) or s.endswith(("_r", "right")):
        return "right"
    if s in ("l", "left") or s.startswith(("l_", "left")) or s.endswith(("_l", "left")):
        return "left"
    return None


def plates_from_table(table: MotTable) -> list[ForcePlate]:
    """Group GRF columns of *table* into :class:`ForcePlate` objects (file axes)."""
    groups: dict[str, dict[str, dict[str, int]]] = {}
    for j, lab in enumerate(table.labels):
        for kind, rx in (("v", _FORCE_RE), ("p", _COP_RE), ("t", _TORQUE_RE)):
            m = rx.match(lab)
            if m:
                groups.setdefault(m.group(1), {}).setdefault(kind, {})[m.group(2)] = j
                break
    plates = []
    for prefix, g in groups.items():
        if len(g.get("v", {})) != 3:
            continue
        f = table.data[:, [g["v"][a] for a in "xyz"]]
        n = f.shape[0]
        cop = (table.data[:, [g["p"][a] for a in "xyz"]] if len(g.get("p", {})) == 3
               else np.full((n, 3), np.nan))
        tq = (table.data[:, [g["t"][a] for a in "xyz"]] if len(g.get("t", {})) == 3
              else np.zeros((n, 3)))
        plates.append(ForcePlate(force=f.copy(), cop=cop.copy(), free_moment=tq.copy(),
                                 name=prefix.strip("_") or "FP", foot=_foot_of(prefix)))
    return plates


def _rate(p: Path, t: np.ndarray) -> float:
    if t.size < 2:
        raise TrialFileError(p, "fewer than two samples")
    dt = float(np.median(np.diff(t)))
    if dt <= 0:
        raise TrialFileError(p, "time column is not increasing")
    return round(1.0 / dt, 6)


def trial_from_mot(path: str | Path) -> Trial:
    """A Trial from a MOT/STO with embedded marker columns ``<M>_tx/_ty/_tz`` (Hamner IK).

    Other columns (model coordinates) go to ``model_outputs`` unchanged.
    """
    table = read_mot(path)
    p = table.path
    idx = {lab: j for j, lab in enumerate(table.labels)}
    names = [lab[:-3] for lab in table.labels if lab.endswith("_tx")]
    names = [n for n in names if f"{n}_ty" in idx and f"{n}_tz" in idx and n != "pelvis"]
    raw = {n: table.data[:, [idx[f"{n}_tx"], idx[f"{n}_ty"], idx[f"{n}_tz"]]] for n in names}
    used = {f"{n}_{a}" for n in names for a in ("tx", "ty", "tz")}
    outputs = {lab: table.data[:, j].copy() for j, lab in enumerate(table.labels)
               if lab != "time" and lab not in used}
    sample = np.concatenate(list(raw.values()), axis=0) if raw else None
    scale, unit = length_scale(table.header.get("units"), sample)
    markers = {n: np.where(np.abs(v) > 1e6, np.nan, v) * scale for n, v in raw.items()}
    t = table.time
    trial = Trial(
        markers=markers, point_rate=_rate(p, t), start_time=float(t[0]), model_outputs=outputs,
        meta={"source": str(p), "format": "mot", "units": {"length": unit,
              "angles": "deg" if table.in_degrees else "rad"}, "frame": FILE_FRAME},
    )
    plates = plates_from_table(table)
    if plates:
        trial.plates = plates
        trial.force_rate = trial.point_rate
        trial.force_start_time = float(t[0])
    return trial


def read_trc(path: str | Path) -> Trial:
    """Read a TRC marker file (units from the header, missing cells → NaN).

    Raises
    ------
    TrialFileError
        Bad header, fewer frames than ``NumFrames``, ragged rows.
    """
    p = Path(path)
    lines = _read_text(p)
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise TrialFileError(p, "not a TRC file (first line must start with 'PathFileType')")
    keys = lines[1].split("\t")
    vals = lines[2].split("\t")
    hdr = {k.strip(): v.strip() for k, v in zip(keys, vals, strict=False)}
    try:
        rate = float(hdr.get("DataRate") or hdr.get("CameraRate"))
        n_frames = int(float(hdr["NumFrames"]))
        n_markers = int(float(hdr["NumMarkers"]))
    except (KeyError, TypeError, ValueError):
        raise TrialFileError(p, "TRC header lacks DataRate/NumFrames/NumMarkers") from None
    names = [s.strip() for s in lines[3].split("\t")[2:] if s.strip()]
    if len(names) < n_markers:
        raise TrialFileError(p, f"header lists {n_markers} markers but names {len(names)}")
    names = names[:n_markers]
    ncols = 2 + 3 * n_markers
    rows = [ln for ln in lines[5:] if ln.strip()]
    if len(rows) < n_frames:
        raise TrialFileError(
            p, f"truncated: header promises {n_frames} frames but only {len(rows)} are present"
        )
    try:  # fast path: every cell filled (an empty cell shows as two adjacent tabs)
        if any("\t\t" in r.rstrip() for r in rows):
            raise ValueError
        data = np.array("\n".join(rows).split(), dtype=float).reshape(len(rows), -1)
        if data.shape[1] < ncols:
            raise ValueError
        data = data[:, :ncols]
    except ValueError:
        data = _parse_trc_rows(p, rows, ncols)
    xyz = data[:, 2:].reshape(len(rows), n_markers, 3)
    scale, unit = length_scale(hdr.get("Units"), xyz)
    markers = {n: xyz[:, k] * scale for k, n in enumerate(names)}
    t = data[:, 1]
    start = float(t[0]) if np.isfinite(t[0]) else 0.0
    return Trial(markers=markers, point_rate=rate, start_time=start,
                 meta={"source": str(p), "format": "trc", "units": {"length": unit},
                       "frame": FILE_FRAME})


def _parse_trc_rows(p: Path, rows: list[str], ncols: int) -> np.ndarray:
    """Slow path for TRC rows with blank cells (missing markers)."""
    data = np.full((len(rows), ncols), np.nan)
    for i, r in enumerate(rows):  # per line, not per frame hot path: TRC cells may be blank
        cells = r.rstrip("\r\n").split("\t")
        if len(cells) > ncols + 1 or len(cells) < 2:
            raise TrialFileError(p, f"row {i + 6} has {len(cells)} cells, expected {ncols}")
        try:
            vals_ = [float(c) if c.strip() else np.nan for c in cells[:ncols]]
        except ValueError as exc:
            raise TrialFileError(p, f"row {i + 6}: non-numeric value ({exc})") from None
        data[i, : len(vals_)] = vals_
    return data
