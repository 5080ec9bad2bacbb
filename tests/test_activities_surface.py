"""Flatness, the 400 m track detector and the pace/HR fractions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _activity_synth import road_xy, stadium_xy, track_session, xy_to_latlon
from retrorun.activities.pace import fraction_over_hr, fraction_over_speed, speed_windows
from retrorun.activities.reader import read_activity
from retrorun.activities.surface import (
    ascent_descent,
    detect_track,
    fit_stadium,
    flatness,
    track_lap_ratio,
)


def test_stadium_geometry_is_400m():
    s = np.linspace(0, 400, 40001)
    xy = stadium_xy(s)
    seg = np.hypot(*np.diff(xy, axis=0).T).sum()
    assert seg == pytest.approx(400.0, abs=0.01)  # World Athletics lane 1


def test_fit_recovers_lane1_geometry():
    xy = stadium_xy(np.arange(0, 800, 2.0))
    fit = fit_stadium(xy)
    assert fit.is_track
    assert fit.rms_m < 1.0
    assert fit.radius_m == pytest.approx(36.8, abs=2.0)
    assert fit.perimeter_m == pytest.approx(400, abs=8)


@pytest.mark.parametrize("seed", range(1, 7))
def test_synthetic_track_session_only_track_flagged(seed):
    act = track_session(laps=5, noise=3.0, approach_m=1800.0, seed=seed)
    det = detect_track(act.lat, act.lon)
    assert det.on_track is True and det.source == "gps"
    # the track part is 2 000 m of the 3 800 m path; windows straddling the junction can't fit
    assert 1200 <= det.track_distance_m <= 2100
    (s0, _e0), *_ = det.windows
    assert s0 >= 1800 - 400  # nothing flagged well inside the road approach
    assert det.best.perimeter_m == pytest.approx(2 * np.pi * 41.8 + 84.39 * 2, rel=0.06)


@pytest.mark.parametrize("seed", range(5))
def test_road_only_no_track(seed):
    rng = np.random.default_rng(seed)
    lat, lon = xy_to_latlon(road_xy(4000, 3.0, rng) + rng.normal(0, 3, (1333, 2)))
    assert detect_track(lat, lon).on_track is False


def test_sub_sport_track_wins_and_no_gps_is_unknown():
    nan = np.full(10, np.nan)
    assert detect_track(nan, nan, "track").on_track is True
    assert detect_track(nan, nan, None).on_track is None
    assert detect_track(nan, nan, "treadmill").on_track is False


@pytest.mark.parametrize(
    "name",
    [
        "gpxpy__Mojstrovka.gpx",
        "leaflet-gpx__demo.gpx",
        "python-fitparse__2013-02-06-12-11-14.fit",
        "python-fitparse__activity-small-fenix2-run.fit",
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
    ],
)
def test_no_false_track_on_real_files(real_data, name):
    act = read_activity(real_data / "activities" / name)
    det = detect_track(act.lat, act.lon, act.sub_sport)
    assert det.on_track is False  # README: none of them is a track session


def test_flatness_real_controls(real_data):
    hike = read_activity(real_data / "activities" / "gpxpy__Mojstrovka.gpx")
    from retrorun.activities.summary import path_distance

    f = flatness(path_distance(hike), hike.ele)
    assert f.flat is False and f.ascent_m > 400
    tri = read_activity(real_data / "activities" / "python-fitparse__sample_mulitple_header.fit")
    f = flatness(path_distance(tri), tri.ele)
    assert f.flat is True and f.ascent_per_km < 1


def test_ascent_hysteresis_basics():
    assert ascent_descent(np.linspace(0, 50, 200)) == pytest.approx((50.0, 0.0))
    # ±1 m noise (2 m peak to peak) under a 3 m hysteresis is not climbing
    noise = np.tile([0.0, 2.0], 100)
    assert ascent_descent(noise) == (0.0, 0.0)
    up_down = np.concatenate((np.linspace(0, 10, 50), np.linspace(10, 0, 50)))
    assert ascent_descent(up_down) == pytest.approx((10.0, 10.0))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 3000, allow_nan=False), min_size=0, max_size=300))
def test_ascent_bounded_by_total_variation(ele):
    e = np.asarray(ele, dtype=float)
    up, down = ascent_descent(e)
    assert up >= 0 and down >= 0
    tv = np.abs(np.diff(e)).sum() if e.size > 1 else 0.0
    assert up + down <= tv + 1e-6
    if e.size > 1:
        # net change is recovered up to the hysteresis band
        assert abs((up - down) - (e[-1] - e[0])) <= 3.0 + 1e-6


def test_track_lap_ratio():
    assert track_lap_ratio([440.0, 445.0, 438.0, 1000.0]) == pytest.approx(1.1, abs=0.01)
    assert track_lap_ratio([1000.0, 1609.3]) is None


def test_pace_fractions():
    t = np.arange(0, 600, 1.0)
    v = np.where(t < 300, 1.5, 2.5)  # half the time over a 2.0 m/s ceiling
    d = np.concatenate(([0.0], np.cumsum(v[:-1])))
    assert fraction_over_speed(t, d, 2.0) == pytest.approx(0.5, abs=0.03)
    assert fraction_over_speed(t, d, 3.0) == 0.0
    w = speed_windows(t, d)
    assert w.min() == pytest.approx(1.5) and w.max() == pytest.approx(2.5)
    hr = np.where(t < 150, 150.0, 120.0)
    assert fraction_over_hr(t, hr, 140) == pytest.approx(0.25, abs=0.01)
    assert fraction_over_hr(t, np.full(600, np.nan), 140) is None
    # standing still is not "under the ceiling": no moving windows → None
    assert fraction_over_speed(t, np.zeros(600), 2.0) is None


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    angle=st.floats(0, np.pi),
    dx=st.floats(-3000, 3000),
    dy=st.floats(-3000, 3000),
    offset=st.floats(0, 8),
)
def test_track_found_whatever_the_orientation(angle, dx, dy, offset):
    rng = np.random.default_rng(0)
    xy = stadium_xy(np.arange(0, 1600, 3.0), r=36.8 + offset)
    c, s = np.cos(angle), np.sin(angle)
    xy = xy @ np.array([[c, -s], [s, c]]).T + np.array([dx, dy])
    xy += rng.normal(0, 2.0, xy.shape)
    lat, lon = xy_to_latlon(xy)
    assert detect_track(lat, lon).on_track is True


def test_small_indoor_oval_is_not_a_400m_track():
    # a 200 m indoor track: straights 35 m, bends r = 17.5 m
    xy = stadium_xy(np.arange(0, 2000, 2.0), straight=35.0, r=17.5)
    lat, lon = xy_to_latlon(xy)
    assert detect_track(lat, lon).on_track is False
