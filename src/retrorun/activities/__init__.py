"""Watch files in: FIT/GPX/TCX import, surface / track / pace checks, matching to planned sessions.

Modules (imported lazily; this package imports nothing heavy):

* :mod:`.reader` — ``read_activity(path) -> Activity``; raises ``ActivityError(path, problem)``
* :mod:`.model` — ``Activity``, ``Lap``, ``ActivityError``
* :mod:`.fit`, :mod:`.gpx`, :mod:`.tcx` — the format readers (fitdecode, gpxpy, tcxreader)
* :mod:`.summary` — ``summarise(activity) -> dict`` (``retrorun activity --json``)
* :mod:`.surface` — flatness, 400 m stadium detector, lap-length ratio
* :mod:`.pace` — fractions above a speed / heart-rate ceiling
* :mod:`.matching` — ``log_fields_from_activity(activity, planned_session, backward_laps=None)``

See ``docs/watch-and-calendar.md``.
"""
