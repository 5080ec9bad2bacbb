"""Load metrics and log validation, checked against hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from retrorun.training.adaptation import LoggedSession
from retrorun.training.load import (
    ACWR_CAVEAT,
    acwr,
    compliance_band,
    daily_loads,
    forward_equivalent_minutes,
    monotony,
    progress_report,
    srpe_load,
)
from retrorun.training.logs import LogError, SessionLogEntry, validate_entry

D0 = date(2026, 3, 2)


def ls(day: int, minutes: float, rpe: float, pain: int = 1, sid: str | None = None, **kw):
    e = SessionLogEntry(
        date=D0 + timedelta(days=day), session_id=sid or f"d{day}", done="yes",
        backward_minutes=minutes, rpe=rpe, pain_during=pain, pain_after=pain,
        pain_next_morning=kw.pop("morning", 0), **kw,
    )
    return LoggedSession(e, 1, minutes)


def test_srpe_and_forward_equivalent() -> None:
    assert srpe_load(5, 10) == 50.0
    assert srpe_load(None, 10) == 0.0
    assert forward_equivalent_minutes(10) == pytest.approx(13.0)


def test_monotony_matches_hand_computation() -> None:
    # Mon/Wed/Fri 40 AU, rest days 0: mean 120/7, population SD = 40*sqrt(3/7*4/7).
    week = np.array([40, 0, 40, 0, 40, 0, 0], float)
    expected = (120 / 7) / (40 * np.sqrt(3 / 7 * 4 / 7))
    assert monotony(week) == pytest.approx(expected, rel=1e-12)
    assert monotony(np.full(7, 30.0)) is None  # no variation: undefined, not infinite


def test_acwr_coupled_rolling_average() -> None:
    loads = np.zeros(35)
    loads[:28:2] = 50  # 14 sessions in the first 4 weeks
    loads[28:35] = 100  # a big last week
    # day 34: acute = 700; chronic = 28-day sum / 4 = (700 + 50*10)/4 (days 7..34)
    chronic = (700 + 50 * sum(1 for d in range(7, 28) if d % 2 == 0)) / 4
    assert acwr(loads, 34) == pytest.approx(700 / chronic)
    assert acwr(loads, 20) is None
    assert "information only" in ACWR_CAVEAT


def test_compliance_bands() -> None:
    assert compliance_band(1.0) == "green"
    assert compliance_band(0.85) == "green" and compliance_band(1.15) == "green"
    assert compliance_band(0.8) == "orange" and compliance_band(1.35) == "orange"
    assert compliance_band(0.6) == "red" and compliance_band(None) == "red"


def test_progress_report_weeks_and_trend() -> None:
    logs = [
        ls(0, 8, 4, pain=3, looks_left=10, looks_right=10),
        ls(2, 8, 4, pain=3, looks_left=12, looks_right=8),
        ls(7, 9, 5, pain=2),
        ls(9, 9, 5, pain=1),
    ]
    planned = [
        {"session_id": f"d{d}", "date": D0 + timedelta(days=d), "backward_minutes": m}
        for d, m in ((0, 8), (2, 8), (4, 8), (7, 9), (9, 9), (11, 9), (14, 10))
    ]
    r = progress_report(logs, planned, start=D0, today=D0 + timedelta(days=12))
    assert len(r.weeks) == 2
    w1, w2 = r.weeks
    assert w1.srpe_load == 64 and w2.srpe_load == 90
    assert w1.backward_minutes == 16 and w1.forward_equivalent_minutes == pytest.approx(20.8)
    assert w1.planned_minutes == 24 and w1.sessions_planned == 3 and w1.sessions_logged == 2
    assert w1.mean_pain == 3 and w2.mean_pain == 1.5
    assert r.pain_slope_per_week == pytest.approx(-1.5)
    # d4 and d11 missed (red), the 4 logged ones green; d14 is in the future → not counted.
    assert r.band_counts == {"green": 4, "orange": 0, "red": 2}
    assert (r.looks_left, r.looks_right) == (22, 18)
    assert r.look_imbalance == pytest.approx(4 / 40) and not r.look_flag
    assert daily_loads(logs, D0, 14).sum() == 154


TODAY = date(2026, 3, 10)
PLANNED = {"s1": {"date": "2026-03-09"}}


def entry(**kw) -> SessionLogEntry:
    base = dict(date=date(2026, 3, 9), session_id="s1", done="yes", backward_minutes=8.0,
                rpe=4, pain_during=1, pain_after=1)
    base.update(kw)
    return SessionLogEntry(**base)  # type: ignore[arg-type]


def test_valid_entry_normalised() -> None:
    e = validate_entry(entry(surface=" Track ", notes=" ok "), today=TODAY, planned=PLANNED)
    assert e.surface == "track" and e.notes == "ok"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"pain_during": 12}, "pain_during", "0 to 10"),
        ({"pain_after": -1}, "pain_after", "0 to 10"),
        ({"pain_during": 2.5}, "pain_during", "whole number"),
        ({"rpe": 11}, "rpe", "CR-10"),
        ({"date": date(2026, 3, 11)}, "date", "in the future"),
        ({"session_id": "nope"}, "session", "unknown session"),
        ({"done": "maybe"}, "done", "yes / partly / no"),
        ({"done": "no"}, "backward_minutes", "not done"),
        ({"backward_minutes": 0}, "backward_minutes", "needs the backward minutes"),
        ({"backward_minutes": float("nan")}, "backward_minutes", "from 0"),
        ({"rpe": None}, "rpe", "needed"),
        ({"surface": "lava"}, "surface", "must be one of"),
        ({"date": TODAY, "pain_next_morning": 1}, "pain_next_morning", "has not come yet"),
        ({"looks_left": -3}, "looks_left", "whole number"),
    ],
)
def test_invalid_entries_name_the_field(changes, field, words) -> None:
    with pytest.raises(LogError) as err:
        validate_entry(entry(**changes), today=TODAY, planned=PLANNED)
    assert any(f == field and words in m for f, m in err.value.problems), err.value.problems


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(LogError) as err:
        validate_entry(entry(pain_during=12, rpe=20), today=TODAY, planned=PLANNED)
    assert {f for f, _ in err.value.problems} == {"pain_during", "rpe"}


def test_entry_round_trips_through_dict() -> None:
    e = entry(warnings=("surface: road, not a track",), pain_next_morning=0)
    assert SessionLogEntry.from_dict(e.to_dict()) == e


def test_weekly_acwr_and_monotony_match_the_scalar_definitions() -> None:
    logs = [ls(d, 5 + d % 4, 3 + d % 3) for d in range(0, 40, 2)]
    today = D0 + timedelta(days=41)
    r = progress_report(logs, [], start=D0, today=today)
    loads = daily_loads(logs, D0, 42)
    for w in r.weeks:
        last = min(7 * w.week - 1, 41)
        assert w.acwr == (None if acwr(loads, last) is None else pytest.approx(acwr(loads, last)))
        week = loads[7 * (w.week - 1): 7 * w.week]
        assert w.monotony == pytest.approx(monotony(week))
        assert w.srpe_load == pytest.approx(week.sum())
    assert r.weeks[3].acwr is not None and r.weeks[2].acwr is None
