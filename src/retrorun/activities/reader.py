"""``read_activity(path)``: one entry point for FIT, GPX and TCX files.

The format is recognised from the content (FIT header signature ``.FIT``; the XML root element
``<gpx`` / ``<TrainingCenterDatabase``), the extension only breaks ties. Every failure is an
:class:`~retrorun.activities.model.ActivityError` naming the file and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path

from retrorun.activities.model import Activity, ActivityError

_ROOT = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def detect_format(data: bytes, suffix: str = "") -> str | None:
    """'fit', 'gpx', 'tcx' or ``None`` from the first bytes (and the file suffix as a hint)."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if head.startswith(b"<"):
        # skip the XML declaration, comments and doctype, take the first element name
        for m in _ROOT.finditer(head):
            name = m.group(1).lower()
            if name == b"gpx":
                return "gpx"
            if name == b"trainingcenterdatabase":
                return "tcx"
            break
    suffix = suffix.lower().lstrip(".")
    return suffix if suffix in ("fit", "gpx", "tcx") else None


def read_activity(path: str | Path) -> Activity:
    """Read a FIT, GPX or TCX activity file.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Activity
        Samples, laps and device totals; ``truncated`` and ``warnings`` say what was repaired/lost.

    Raises
    ------
    ActivityError
        (a ``ValueError``) naming the file and the problem: missing/unreadable file, empty file,
        unknown format, or a file the parser cannot read at all.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ActivityError(p, f"cannot read file ({exc.strerror or exc})") from None
    if not data:
        raise ActivityError(p, "empty file (0 bytes)")
    fmt = detect_format(data, p.suffix)
    if fmt in ("gpx", "tcx") and b"<!ENTITY" in data:
        # activity exports never declare entities; refusing them rules out entity-expansion
        # ("billion laughs") and external-entity tricks whatever the XML parser's defaults
        raise ActivityError(p, "XML entity declarations (<!ENTITY) are not allowed in GPX/TCX")
    if fmt == "fit":
        from retrorun.activities.fit import read_fit

        act = read_fit(str(p), data)
    elif fmt == "gpx":
        from retrorun.activities.gpx import read_gpx

        act = read_gpx(str(p), data)
    elif fmt == "tcx":
        from retrorun.activities.tcx import read_tcx

        act = read_tcx(str(p), data)
    else:
        raise ActivityError(
            p, "unknown activity format (expected a FIT file or a GPX/TCX XML document)"
        )
    if act.truncated:
        clip_laps_to_samples(act)
    fill_lap_stats(act)
    return act


def clip_laps_to_samples(act: Activity) -> None:
    """Truncated file: laps (written up front by some apps) may claim more than was read.

    Laps starting after the last sample are dropped; a lap running past it is cut there and its
    distance/HR/cadence are recomputed from the samples.
    """
    import numpy as np

    t = act.t[np.isfinite(act.t)]
    if t.size == 0:
        if act.laps:
            act.warnings.append(f"dropped {len(act.laps)} laps: no samples were readable")
        act.laps = []
        return
    t_end = float(t.max())
    kept = []
    cut = 0
    for lap in act.laps:
        if lap.start_s > t_end:
            cut += 1
            continue
        if lap.end_s > t_end + 1.0:
            lap.duration_s = t_end - lap.start_s
            lap.timer_s = lap.duration_s
            lap.distance_m = lap.avg_hr = lap.max_hr = lap.avg_cadence_spm = None
            cut += 1
        kept.append(lap)
    act.laps = kept
    if cut:
        act.warnings.append(f"{cut} lap(s) cut at the last readable sample ({t_end:.0f} s)")


def fill_lap_stats(act: Activity) -> None:
    """Fill lap HR / cadence / distance the file did not carry from the samples of each lap."""
    import numpy as np

    if not act.laps or act.t.size == 0:
        return
    t = act.t
    for lap in act.laps:
        if not (np.isfinite(lap.start_s) and np.isfinite(lap.duration_s)):
            continue
        lo = int(np.searchsorted(t, lap.start_s, side="left"))
        hi = int(np.searchsorted(t, lap.end_s, side="right"))
        if hi <= lo:
            continue
        if lap.avg_hr is None:
            h = act.hr[lo:hi]
            h = h[np.isfinite(h)]
            if h.size:
                lap.avg_hr = float(h.mean())
                lap.max_hr = float(h.max()) if lap.max_hr is None else lap.max_hr
        if lap.avg_cadence_spm is None:
            c = act.cadence[lo:hi]
            c = c[np.isfinite(c)]
            if c.size:
                lap.avg_cadence_spm = float(c.mean())
        if lap.distance_m is None:
            d = act.distance[lo:hi]
            d = d[np.isfinite(d)]
            if d.size >= 2:
                lap.distance_m = float(d[-1] - d[0])
