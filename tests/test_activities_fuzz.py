"""Hostile input: truncated, bit-flipped, random and empty files never crash or hang the importer.

Every example must either import (an ``Activity`` whose summary and log fields can be computed) or
raise ``ActivityError`` naming the file — never any other exception, and never take longer than the
hard per-example limit (``signal.setitimer``; POSIX only).
"""

from __future__ import annotations

import signal
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrorun.activities.matching import log_fields_from_activity
from retrorun.activities.model import Activity, ActivityError
from retrorun.activities.reader import read_activity
from retrorun.activities.summary import summarise

#: hard limit per example, s (the largest seed file imports in ~0.05 s)
LIMIT_S = 10.0
SEEDS = [
    "python-fitparse__compressed-speed-distance.fit",
    "python-fitparse__garmin-fenix-5-run.fit",
    "python-fitparse__2013-02-06-12-11-14.fit",
    "sports-lib__2067489619.fit",
    "python-fitparse__strava-android-app-201.10-b1218918.fit",
    "gpxpy__Mojstrovka.gpx",
    "sports-lib__6281425038.tcx",
]
SESSION = {
    "session_id": "2026-12-01-w1s1",
    "date": "2026-12-01",
    "blocks": [
        {
            "kind": "backward_warmup",
            "surface": "track",
            "steps": [
                {
                    "kind": "backward_jog",
                    "direction": "backward",
                    "duration_s": 30,
                    "repeats": 4,
                    "recovery_s": 30,
                    "recovery_kind": "forward_walk",
                    "pace_ceiling_m_s": 2.0,
                }
            ],
        },
        {"kind": "main_run", "steps": []},
    ],
}


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    def _raise(signum, frame):
        raise Hang(f"example took longer than {seconds} s")

    # pytest-timeout (signal method) may have its own SIGALRM timer running: restore it after
    old = signal.signal(signal.SIGALRM, _raise)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if old_delay > 0:
            left = old_delay - (time.monotonic() - t0)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


@pytest.fixture(scope="module")
def seeds(real_data) -> dict[str, bytes]:
    return {n: (real_data / "activities" / n).read_bytes() for n in SEEDS}


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzzed{suffix}"
        p.write_bytes(data)
        with time_limit(LIMIT_S):
            try:
                act = read_activity(p)
            except ActivityError as exc:
                assert "fuzzed" in str(exc)  # names the file
                assert exc.problem
                return
            assert isinstance(act, Activity)
            summarise(act)
            fields = log_fields_from_activity(act, SESSION)
            assert isinstance(fields["warnings"], list)
            if act.truncated:
                assert any("truncated" in w for w in fields["warnings"])


FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(which=st.sampled_from(SEEDS), cut=st.floats(0.0, 1.0))
def test_truncated(seeds, which, cut):
    data = seeds[which]
    _check(data[: int(len(data) * cut)], Path(which).suffix)


@FUZZ
@given(
    which=st.sampled_from(SEEDS),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1, max_size=12),
)
def test_bit_flipped(seeds, which, flips):
    data = bytearray(seeds[which])
    for pos, bit in flips:
        i = min(int(pos * len(data)), len(data) - 1)
        data[i] ^= 1 << bit
    _check(bytes(data), Path(which).suffix)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".fit", ".gpx", ".tcx", ".bin"]))
def test_random_bytes(data, suffix):
    _check(data, suffix)


@FUZZ
@given(
    which=st.sampled_from(SEEDS[:4]),
    tail=st.binary(min_size=1, max_size=64),
    keep=st.integers(14, 400),
)
def test_fit_header_with_garbage(seeds, which, tail, keep):
    _check(seeds[which][:keep] + tail, ".fit")


def test_empty_and_missing(tmp_path):
    for suffix in (".fit", ".gpx", ".tcx", ""):
        p = tmp_path / f"empty{suffix}"
        p.write_bytes(b"")
        with pytest.raises(ActivityError, match="empty"):
            read_activity(p)
    with pytest.raises(ActivityError, match="cannot read"):
        read_activity(tmp_path / "nope.fit")
    with pytest.raises(ActivityError, match="cannot read"):
        read_activity(tmp_path)  # a directory


def test_xml_but_not_an_activity(tmp_path):
    p = tmp_path / "x.gpx"
    p.write_text('<?xml version="1.0"?><gpx version="1.1"></gpx>')
    with pytest.raises(ActivityError, match="no track points"):
        read_activity(p)
    p = tmp_path / "y.tcx"
    p.write_text("<TrainingCenterDatabase><Activities/></TrainingCenterDatabase>")
    with pytest.raises(ActivityError, match="no track points"):
        read_activity(p)
    p = tmp_path / "z.txt"
    p.write_text("hello")
    with pytest.raises(ActivityError, match="unknown activity format"):
        read_activity(p)


@pytest.mark.parametrize("root", ["gpx", "TrainingCenterDatabase"])
def test_entity_expansion_refused(tmp_path, root):
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doc = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY l0 "lol">{lol}]><{root}>&l9;</{root}>'
    p = tmp_path / "bomb.xml"
    p.write_text(doc)
    with time_limit(LIMIT_S), pytest.raises(ActivityError, match="ENTITY"):
        read_activity(p)
