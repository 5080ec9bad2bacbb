"""Write a small synthetic FIT *activity* file with fit-tool (for end-to-end tests; synthetic)."""

from __future__ import annotations

from pathlib import Path

from retrorun.activities.model import Activity


def write_fit_activity(act: Activity, path: Path, with_step_index: bool = True) -> Path:
    """Encode *act* (1 Hz samples, laps) as a FIT activity: records, laps, one session."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import (
        Event,
        EventType,
        FileType,
        Manufacturer,
        Sport,
        SubSport,
    )

    t0 = round(act.start.timestamp() * 1000)
    b = FitFileBuilder(auto_define=True, min_string_size=50)
    fid = FileIdMessage()
    fid.type = FileType.ACTIVITY
    fid.manufacturer = Manufacturer.DEVELOPMENT.value
    fid.product = 0
    fid.serial_number = 0x1234
    fid.time_created = t0
    b.add(fid)
    ev = EventMessage()
    ev.event = Event.TIMER
    ev.event_type = EventType.START
    ev.timestamp = t0
    b.add(ev)
    recs = []
    for i in range(act.t.size):
        r = RecordMessage()
        r.timestamp = t0 + round(act.t[i] * 1000)
        r.position_lat = float(act.lat[i])
        r.position_long = float(act.lon[i])
        r.distance = float(act.distance[i])
        r.heart_rate = int(act.hr[i])
        r.altitude = float(act.ele[i])
        r.speed = float(act.speed[i])
        recs.append(r)
    b.add_all(recs)
    for k, lap in enumerate(act.laps):
        m = LapMessage()
        m.message_index = k
        m.start_time = t0 + round(lap.start_s * 1000)
        m.timestamp = t0 + round(lap.end_s * 1000)
        m.total_elapsed_time = lap.duration_s
        m.total_timer_time = lap.timer_s if lap.timer_s is not None else lap.duration_s
        m.total_distance = lap.distance_m or 0.0
        if with_step_index and lap.wkt_step_index is not None:
            m.workout_step_index = lap.wkt_step_index
        b.add(m)
    end = float(act.t[-1]) + 1.0
    s = SessionMessage()
    s.start_time = t0
    s.timestamp = t0 + round(end * 1000)
    s.total_elapsed_time = end
    s.total_timer_time = end
    s.total_distance = float(act.distance[-1])
    s.sport = Sport.RUNNING
    s.sub_sport = SubSport.GENERIC
    s.num_laps = len(act.laps)
    b.add(s)
    a = ActivityMessage()
    a.timestamp = t0 + round(end * 1000)
    if act.utc_offset_s is not None:  # the watch's local time, as Garmin devices write it
        # local_date_time: seconds since the FIT epoch (1989-12-31), raw (not converted)
        a.local_timestamp = round((t0 + end * 1000) / 1000) + act.utc_offset_s - 631065600
    a.num_sessions = 1
    b.add(a)
    b.build().to_file(str(path))
    return path
