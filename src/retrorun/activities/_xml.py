"""Repairs for the two XML defects seen in real GPX/TCX exports (no parsing here, bytes in/out).

* bytes before ``<?xml`` (BOM, whitespace — a Polar V800 TCX export) → stripped;
* an element prefix used without an ``xmlns:prefix`` declaration (``gpxdata:`` in a Strava GPX
  re-exported by a converter) → the declaration is added to the root element, with the well-known
  namespace URI when we know it and a ``urn:retrorun:undeclared:<prefix>`` placeholder otherwise.

Every repair is reported as a warning string so the user sees what was changed.
"""

from __future__ import annotations

import re

#: Well-known namespace URIs of prefixes that converters forget to declare.
KNOWN_PREFIXES: dict[bytes, bytes] = {
    b"gpxdata": b"http://www.cluetrust.com/XML/GPXDATA/1/0",
    b"gpxtpx": b"http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
    b"gpxx": b"http://www.garmin.com/xmlschemas/GpxExtensions/v3",
    b"ns3": b"http://www.garmin.com/xmlschemas/ActivityExtension/v2",
    b"tpx": b"http://www.garmin.com/xmlschemas/ActivityExtension/v2",
}
_PLACEHOLDER = b"urn:retrorun:undeclared:"
_PREFIX_RE = re.compile(rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]")
_DECL_RE = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_RE = re.compile(rb"<(?![?!])([A-Za-z_][\w.:-]*)")


def repair_xml(data: bytes, prefixes: bool = True) -> tuple[bytes, list[str]]:
    """Return repaired bytes and the list of repairs made (empty when none were needed).

    With ``prefixes=False`` only the leading junk is stripped (cheap); the readers call the full
    repair only after a parse error, so well-formed files are scanned once, by the parser.
    """
    notes: list[str] = []
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if stripped.startswith(b"\xef\xbb\xbf"):
        stripped = stripped[3:].lstrip()
    lead = len(data) - len(stripped)
    if lead and not data.startswith(b"\xef\xbb\xbf<"):
        notes.append(f"repaired: removed {lead} bytes of whitespace before the XML declaration")
    data = stripped
    if not prefixes:
        return data, notes
    used = set(_PREFIX_RE.findall(data))
    used.discard(b"xml")
    if used:
        declared = set(_DECL_RE.findall(data))
        missing = sorted(used - declared)
        if missing:
            m = _ROOT_RE.search(data)
            if m is not None:
                decl = b"".join(
                    b' xmlns:%s="%s"' % (p, KNOWN_PREFIXES.get(p, _PLACEHOLDER + p))
                    for p in missing
                )
                data = data[: m.end()] + decl + data[m.end() :]
                names = ", ".join(p.decode("ascii", "replace") for p in missing)
                notes.append(
                    f"repaired: declared the namespace prefix(es) {names} "
                    "used without xmlns declaration"
                )
    return data, notes
