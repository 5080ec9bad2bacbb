"""Import of the real FIT/GPX/TCX files, checked against values read independently.

"Independently" means: the device's own totals decoded in the test with fitdecode/gpxpy/tcxreader
directly (not through retrorun), the expected-value CSVs shipped beside the FIT files, and the
numbers in ``shared/data/real/activities/README.md``.
"""

from __future__ import annotations

import csv
import json
import math

import fitdecode
import gpxpy
import numpy as np
import pytest
from tcxreader.tcxreader import TCXReader
from typer.testing import CliRunner

from retrorun.activities.model import ActivityError
from retrorun.activities.reader import read_activity
from retrorun.activities.summary import summarise
from retrorun.cli import app


@pytest.fixture(scope="module")
def act_dir(real_data):
    return real_data / "activities"


def _fit_messages(path, name):
    out = []
    with fitdecode.FitReader(path) as fr:
        for f in fr:
            if isinstance(f, fitdecode.FitDataMessage) and f.name == name:
                out.append({x.name: x.value for x in f.fields})
    return out


ACTIVITY_FILES = [
    "gpxpy__Mojstrovka.gpx",
    "leaflet-gpx__demo.gpx",
    "python-fitparse__2013-02-06-12-11-14.fit",
    "python-fitparse__activity-small-fenix2-run.fit",
    "python-fitparse__compressed-speed-distance.fit",
    "python-fitparse__garmin-fenix-5-run.fit",
    "python-fitparse__sample_mulitple_header.fit",
    "python-fitparse__strava-android-app-201.10-b1218918.fit",
    "python-tcxparser__test.tcx",
    "sports-lib__2067489619.fit",
    "sports-lib__2067489619.gpx",
    "sports-lib__6037744996.gpx",
    "sports-lib__6281425038.tcx",
    "sports-lib__6909950168.fit",
    "sports-lib__6916663933.fit",
    "sports-lib__samples-polar.tcx",
]


def test_every_real_file_imports_or_fails_clearly(act_dir):
    # every activity file in the folder (new ones included), at least the 16 documented ones
    files = sorted(p.name for p in act_dir.iterdir() if p.suffix in (".fit", ".gpx", ".tcx"))
    assert set(ACTIVITY_FILES) <= set(files)
    for name in files:
        try:
            act = read_activity(act_dir / name)
        except ActivityError as exc:  # allowed, but must name the file
            assert name in str(exc)
            continue
        s = summarise(act)
        assert s["distance_m"] and s["distance_m"] > 100, name
        assert isinstance(s["laps"], list) and s["laps"], name
        json.dumps(s)  # JSON-ready


def test_fenix2_against_readme_and_fitdecode(act_dir):
    p = act_dir / "python-fitparse__activity-small-fenix2-run.fit"
    s = summarise(read_activity(p))
    sess = _fit_messages(p, "session")[0]
    recs = _fit_messages(p, "record")
    # README: 47:12, 9.01 km, 4 laps
    assert s["duration_s"] == pytest.approx(47 * 60 + 12, abs=1)
    assert s["distance_m"] / 1000 == pytest.approx(9.01, abs=0.005)
    assert len(s["laps"]) == 4
    assert s["duration_s"] == pytest.approx(sess["total_elapsed_time"], abs=0.05)
    assert s["start"] == sess["start_time"].isoformat()
    hr = [r["heart_rate"] for r in recs if r.get("heart_rate")]
    assert s["avg_hr"] == pytest.approx(np.mean(hr), abs=0.05)
    # running cadence is strides/min: steps/min = 2 × (cadence + fractional_cadence)
    cad = [
        2 * (r["cadence"] + (r.get("fractional_cadence") or 0)) for r in recs if r.get("cadence")
    ]
    assert s["avg_cadence_spm"] == pytest.approx(np.mean(cad), abs=0.05)
    laps = _fit_messages(p, "lap")
    assert [lap["distance_m"] for lap in s["laps"]] == [
        pytest.approx(lp["total_distance"], abs=0.05) for lp in laps
    ]


def test_fr110_hilly_run(act_dir):
    s = summarise(read_activity(act_dir / "python-fitparse__2013-02-06-12-11-14.fit"))
    # README: 43:45, 4.84 km, 5 laps, HR avg 148, ascent ≈ 160 m
    assert s["duration_s"] == pytest.approx(43 * 60 + 45, abs=1)
    assert s["distance_m"] / 1000 == pytest.approx(4.84, abs=0.005)
    assert len(s["laps"]) == 5
    assert round(s["avg_hr"]) == 148
    assert s["ascent_m"] == pytest.approx(160, abs=10)
    assert s["flat"] is False


def test_fr70_compressed_timestamps_against_csv(act_dir):
    p = act_dir / "python-fitparse__compressed-speed-distance.fit"
    act = read_activity(p)
    s = summarise(act)
    # README: 64:43 (timer 62:53), 10.25 km, 11 laps, no calendar date, no GPS
    assert s["start"] is None
    assert any("device-relative" in w for w in s["warnings"])
    assert s["duration_s"] == pytest.approx(64 * 60 + 43, abs=1)
    assert s["timer_s"] == pytest.approx(62 * 60 + 53, abs=1)
    assert s["distance_m"] / 1000 == pytest.approx(10.25, abs=0.005)
    assert len(s["laps"]) == 11
    assert s["on_track"] is None  # no GPS: unknown, not False
    t0 = _fit_messages(p, "session")[0]["start_time"]
    rows = list(
        csv.DictReader(open(act_dir / "python-fitparse__compressed-speed-distance-records.csv"))
    )
    rows = [{k.strip(): v for k, v in r.items()} for r in rows]
    t_csv = np.array([int(r["Timestamp"]) - t0 for r in rows], dtype=float)
    idx = np.searchsorted(act.t, t_csv)
    assert np.array_equal(act.t[idx], t_csv)  # every CSV timestamp is a sample
    hr = np.array([float(r["Heart Rate [bpm]"]) for r in rows])
    dist = np.array([float(r["Distance [m]"]) for r in rows])
    spd = np.array([float(r["Speed [m/s]"]) for r in rows])
    cad = np.array(
        [math.nan if r["Cadence [rpm]"] == "null" else float(r["Cadence [rpm]"]) for r in rows]
    )
    assert np.allclose(act.hr[idx], hr)
    # compressed speed/distance: FIT resolution is 1/16 m for distance, 0.01 m/s for speed
    assert np.allclose(act.distance[idx], dist, atol=1 / 16 + 1e-9)
    assert np.allclose(act.speed[idx], spd, atol=0.01)
    ok = np.isfinite(cad) & (cad > 0)
    assert np.allclose(act.cadence[idx][ok], 2 * cad[ok])


def test_fenix5_records_against_csv(act_dir):
    act = read_activity(act_dir / "python-fitparse__garmin-fenix-5-run.fit")
    rows = list(csv.DictReader(open(act_dir / "python-fitparse__garmin-fenix-5-run-records.csv")))
    assert act.n_samples == len(rows) == 21
    assert np.allclose(act.hr, [float(r["heart_rate"]) for r in rows])
    assert np.allclose(act.distance, [float(r["distance"]) for r in rows])
    assert np.allclose(act.lat, [int(r["position_lat"]) * 180 / 2**31 for r in rows])
    assert np.allclose(act.ele, [float(r["altitude"]) for r in rows], atol=1e-6)
    assert act.total_distance_m == pytest.approx(157.56)


def test_fr920xt_chained_multisport_run_session(act_dir):
    p = act_dir / "python-fitparse__sample_mulitple_header.fit"
    act = read_activity(p)
    s = summarise(act)
    assert len(act.sessions) == 5
    assert act.sport == "running"
    # README: run 47:31, 9.81 km
    assert s["distance_m"] / 1000 == pytest.approx(9.81, abs=0.005)
    assert s["duration_s"] == pytest.approx(47 * 60 + 31, abs=1)
    assert any("chained" in w for w in s["warnings"])
    assert any("multisport" in w for w in s["warnings"])
    # samples restricted to the run: record distance rebased to the run start
    assert np.nanmax(act.distance) == pytest.approx(9805.9, abs=15)
    assert act.t.min() >= 0 and act.t.max() <= 2851


def test_strava_truncated_file_keeps_what_was_read(act_dir):
    p = act_dir / "python-fitparse__strava-android-app-201.10-b1218918.fit"
    act = read_activity(p)
    assert act.truncated
    assert any("7471" in w for w in act.warnings)
    # fitdecode directly yields the records before the break
    n = 0
    with pytest.raises(fitdecode.FitError):
        with fitdecode.FitReader(p) as fr:
            for f in fr:
                if isinstance(f, fitdecode.FitDataMessage) and f.name == "record":
                    n += 1
    assert act.n_samples in (n, n - 1)  # the corrupt last record (timestamp far off) is dropped
    s = summarise(act)
    assert s["truncated"] is True
    assert s["distance_m"] == pytest.approx(
        928.25, abs=1
    )  # what was read, not the 11.27 km claimed
    assert act.developer_fields  # developer field descriptions were read


def test_gpx_and_fit_of_the_same_run_agree(act_dir):
    fit = summarise(read_activity(act_dir / "sports-lib__2067489619.fit"))
    gpx = summarise(read_activity(act_dir / "sports-lib__2067489619.gpx"))
    assert fit["start"] == gpx["start"]
    # GPX has no device distance: the GPS path is 4 395 m vs the watch's 4 489 m (2.1 %)
    assert gpx["distance_m"] == pytest.approx(fit["distance_m"], rel=0.03)
    assert gpx["duration_s"] == pytest.approx(fit["duration_s"], abs=10)  # last GPX point 7 s early
    assert gpx["avg_hr"] == pytest.approx(fit["avg_hr"], abs=0.5)
    assert gpx["avg_cadence_spm"] == pytest.approx(fit["avg_cadence_spm"], abs=1.0)
    assert gpx["elevation_range_m"] == pytest.approx(fit["elevation_range_m"], abs=0.5)
    assert round(fit["avg_hr"]) == 134  # README
    # the checks agree too: time above an HR ceiling, pace over 15 s windows
    from retrorun.activities.pace import fraction_over_hr, fraction_over_speed
    from retrorun.activities.summary import path_distance

    a = read_activity(act_dir / "sports-lib__2067489619.fit")
    b = read_activity(act_dir / "sports-lib__2067489619.gpx")
    for ceiling in (120, 135, 150):
        assert fraction_over_hr(a.t, a.hr, ceiling) == pytest.approx(
            fraction_over_hr(b.t, b.hr, ceiling), abs=0.01
        )
    # GPS path vs device distance: 2 % shorter, so compare a ceiling away from the median pace
    fa = fraction_over_speed(a.t, path_distance(a), 2.0)
    fb = fraction_over_speed(b.t, path_distance(b), 2.0)
    assert fa == pytest.approx(fb, abs=0.05)


def test_marathon_gpx_against_gpxpy(act_dir):
    p = act_dir / "leaflet-gpx__demo.gpx"
    g = gpxpy.parse(p.read_text())
    pts = [pt for t in g.tracks for sg in t.segments for pt in sg.points]
    s = summarise(read_activity(p))
    assert s["n_samples"] == len(pts) == 9890
    assert s["duration_s"] == pytest.approx((pts[-1].time - pts[0].time).total_seconds())
    assert s["duration_s"] == 2 * 3600 + 53 * 60 + 36
    # gpxpy 2-D length vs our haversine: same path, different earth model → within 0.3 %
    assert s["distance_m"] == pytest.approx(g.length_2d(), rel=0.003)
    assert s["distance_m"] / 1000 == pytest.approx(42.3, abs=0.1)
    assert round(s["avg_hr"]) == 156
    assert s["flat"] is True
    assert s["elevation_range_m"] == pytest.approx(36.0)


def test_tcx_against_tcxreader(act_dir):
    p = act_dir / "python-tcxparser__test.tcx"
    ex = TCXReader().read(str(p), only_gps=False)
    s = summarise(read_activity(p))
    assert len(s["laps"]) == 3 == len(ex.laps)
    assert s["distance_m"] == pytest.approx(ex.distance, abs=0.5)
    assert s["distance_m"] / 1000 == pytest.approx(4.69, abs=0.005)
    assert s["duration_s"] == pytest.approx(33 * 60 + 11, abs=1.5)
    assert s["avg_hr"] == pytest.approx(ex.hr_avg, abs=0.05)
    assert round(s["avg_hr"]) == 157


def test_tcx_with_leading_whitespace_is_repaired(act_dir):
    p = act_dir / "sports-lib__6281425038.tcx"
    with pytest.raises(Exception):  # noqa: B017 - the bare library fails on this file
        TCXReader().read(str(p), only_gps=False)
    s = summarise(read_activity(p))
    assert any("whitespace" in w for w in s["warnings"])
    assert len(s["laps"]) == 5
    assert s["distance_m"] / 1000 == pytest.approx(4.16, abs=0.005)
    assert s["duration_s"] == pytest.approx(36 * 60 + 2, abs=1.5)


def test_polar_tcx_big_file(act_dir):
    s = summarise(read_activity(act_dir / "sports-lib__samples-polar.tcx"))
    assert len(s["laps"]) == 2
    assert s["distance_m"] / 1000 == pytest.approx(10.82, abs=0.005)
    assert s["duration_s"] == pytest.approx(1 * 3600 + 55 * 60 + 58, abs=1.5)
    assert round(s["avg_hr"]) == 157


def test_gpx_with_undeclared_prefix_is_repaired(act_dir):
    p = act_dir / "sports-lib__6037744996.gpx"
    with pytest.raises(gpxpy.gpx.GPXException):
        gpxpy.parse(p.read_text(encoding="utf-8-sig"))
    act = read_activity(p)
    s = summarise(act)
    assert any("gpxdata" in w and "repaired" in w for w in s["warnings"])
    assert s["elevation_range_m"] == pytest.approx(1574 - 1266)
    assert s["distance_m"] / 1000 == pytest.approx(5.1, abs=0.05)
    assert s["duration_s"] == pytest.approx(67 * 60, abs=60)
    assert s["avg_cadence_spm"] is not None  # gpxdata:cadence read
    assert s["flat"] is False


def test_mountain_hike_not_flat_and_untimed(act_dir):
    s = summarise(read_activity(act_dir / "gpxpy__Mojstrovka.gpx"))
    assert s["flat"] is False
    assert s["elevation_range_m"] == pytest.approx(2057.37 - 1614.68, abs=0.06)  # rounded to 0.1
    assert s["ascent_per_km"] > 100
    assert s["duration_s"] is None and s["start"] is None
    assert any("timestamps" in w for w in s["warnings"])
    assert s["distance_m"] / 1000 == pytest.approx(2.7, abs=0.05)


def test_coros_and_suunto(act_dir):
    c = summarise(read_activity(act_dir / "sports-lib__6916663933.fit"))
    assert c["duration_s"] == pytest.approx(48 * 60 + 42, abs=1)
    assert c["distance_m"] / 1000 == pytest.approx(10.74, abs=0.005)
    assert round(c["avg_hr"]) == 160
    s = summarise(read_activity(act_dir / "sports-lib__6909950168.fit"))
    assert s["duration_s"] == pytest.approx(36 * 60 + 36, abs=1)
    assert s["distance_m"] / 1000 == pytest.approx(6.46, abs=0.005)
    assert len(s["laps"]) == 7
    assert s["sub_sport"] == "trail"


def test_cli_activity_json_keys(act_dir):
    r = CliRunner().invoke(
        app, ["activity", str(act_dir / "python-fitparse__activity-small-fenix2-run.fit"), "--json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    for key in (
        "start",
        "duration_s",
        "distance_m",
        "laps",
        "avg_hr",
        "avg_cadence_spm",
        "elevation_range_m",
        "on_track",
    ):
        assert key in d
    assert d["start"] == "2015-08-15T14:45:08+00:00"
    assert d["on_track"] is False
    assert isinstance(d["laps"], list) and len(d["laps"]) == 4


def test_cli_activity_backward_laps(act_dir):
    r = CliRunner().invoke(
        app,
        [
            "activity",
            str(act_dir / "python-fitparse__2013-02-06-12-11-14.fit"),
            "--json",
            "--backward-laps",
            "1,2",
        ],
    )
    assert r.exit_code == 0, r.output
    b = json.loads(r.output)["backward_block"]
    assert b["laps"] == [1, 2]
    assert b["flat"] is False
    assert any("not on flat ground" in w for w in b["warnings"])
    r = CliRunner().invoke(
        app,
        [
            "activity",
            str(act_dir / "python-fitparse__2013-02-06-12-11-14.fit"),
            "--backward-laps",
            "9",
        ],
    )
    assert r.exit_code == 2
    assert "do not exist" in r.output


def test_cli_activity_bad_file_message(tmp_path):
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"\x0e\x10\x00\x00")
    r = CliRunner().invoke(app, ["activity", str(bad)])
    assert r.exit_code == 2
    assert "broken.fit" in r.output and "error" in r.output
    r = CliRunner().invoke(app, ["activity", str(tmp_path / "missing.gpx")])
    assert r.exit_code == 2 and "missing.gpx" in r.output


def test_lap_hr_filled_from_samples_when_the_device_left_it_out(act_dir):
    p = act_dir / "python-fitparse__activity-small-fenix2-run.fit"
    laps = _fit_messages(p, "lap")
    assert all(lp.get("avg_heart_rate") is None for lp in laps)  # fenix 2 wrote no lap HR
    act = read_activity(p)
    recs = _fit_messages(p, "record")
    t0 = act.start
    lap = act.laps[1]
    hr = [
        r["heart_rate"]
        for r in recs
        if r.get("heart_rate") and lap.start_s <= (r["timestamp"] - t0).total_seconds() < lap.end_s
    ]
    assert lap.avg_hr == pytest.approx(np.mean(hr), abs=0.01)


def test_prescription_does_not_import_activities():
    import subprocess
    import sys

    code = (
        "import sys, retrorun.prescription.planner, retrorun.prescription.profile; "
        "print([m for m in sys.modules if m.startswith(('retrorun.activities', 'retrorun.export',"
        " 'fitdecode', 'gpxpy', 'tcxreader'))])"
    )
    import os
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "name",
    [
        "sports-lib__2067489619.fit",
        "sports-lib__2067489619.gpx",
        "sports-lib__6281425038.tcx",  # leading whitespace before <?xml
        "sports-lib__6037744996.gpx",  # BOM
    ],
)
def test_format_detected_from_content_not_name(act_dir, tmp_path, name):
    src = act_dir / name
    renamed = tmp_path / "download.dat"
    renamed.write_bytes(src.read_bytes())
    a = read_activity(renamed)
    b = read_activity(src)
    assert a.source_format == b.source_format == src.suffix[1:]
    assert a.n_samples == b.n_samples


def test_truncated_file_laps_cut_to_what_was_read(act_dir):
    act = read_activity(act_dir / "python-fitparse__strava-android-app-201.10-b1218918.fit")
    (lap,) = act.laps  # the app wrote one lap claiming 3 558 s / 11 274 m up front
    assert lap.end_s == pytest.approx(act.t.max())
    assert lap.distance_m == pytest.approx(np.nanmax(act.distance) - np.nanmin(act.distance), abs=1)
    assert any("cut at the last readable sample" in w for w in act.warnings)


@pytest.mark.parametrize(("name", "minutes"), [
    ("python-fitparse__activity-small-fenix2-run.fit", 120),
    ("python-fitparse__garmin-fenix-5-run.fit", -420),
    ("python-fitparse__sample_mulitple_header.fit", 120),
    ("python-fitparse__2013-02-06-12-11-14.fit", None),
    ("sports-lib__6916663933.fit", 0),
])
def test_fit_watch_utc_offset(real_data, name, minutes) -> None:
    """The watch's UTC offset from activity.local_timestamp − timestamp (the fenix 5
    sample was recorded on US Pacific daylight time), None when the file has none."""
    from retrorun.activities.reader import read_activity
    from retrorun.activities.summary import summarise

    act = read_activity(real_data / "activities" / name)
    assert summarise(act)["utc_offset_min"] == minutes
