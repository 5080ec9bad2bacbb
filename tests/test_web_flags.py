"""Coach flags: pure functions on plain data (no web, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

import retrorun.training.evidence_extra  # noqa: F401  (registers the design-rule keys)
from retrorun.prescription.evidence import EVIDENCE
from retrorun.training.adaptation import LoggedSession
from retrorun.training.logs import SessionLogEntry
from retrorun.web.flags import SEVERITY_NAMES, Flag, athlete_flags, sort_key

D0 = date(2026, 3, 2)
TODAY = D0 + timedelta(days=10)


def log(day: int, *, pain=2, after=None, morning=0, done="yes", minutes=5.0, planned=5.0,
        left=4, right=4, **kw) -> LoggedSession:
    e = SessionLogEntry(
        date=D0 + timedelta(days=day), session_id=f"s{day}", done=done,
        backward_minutes=minutes if done != "no" else 0.0, rpe=4.0, pain_during=pain,
        pain_after=pain if after is None else after, pain_next_morning=morning,
        looks_left=left, looks_right=right, surface="track", **kw,
    )
    return LoggedSession(e, 1, planned)


def cal(*days: int) -> list[dict]:
    return [{"session_id": f"s{d}", "date": (D0 + timedelta(days=d)).isoformat(),
             "backward_minutes": 5.0} for d in days]


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def test_a_fine_athlete_has_no_flags() -> None:
    logs = [log(d) for d in (0, 2, 4, 7, 9)]
    assert athlete_flags(status="active", logs=logs, calendar=cal(0, 2, 4, 7, 9, 11),
                         today=TODAY) == []


def test_referred_and_stopped_are_critical_with_their_reasons() -> None:
    f = athlete_flags(status="no_plan", logs=[], calendar=[], today=TODAY,
                      screening_reasons=["Knee locks. See a physiotherapist."])
    assert codes(f) == ["referred_at_screening"] and f[0].severity == 0
    assert "Knee locks" in f[0].detail
    stop = [{"text": "A red flag was reported: knee gave way.", "outcome": "stop_refer",
             "evidence": ["redflag.stop_and_refer"]},
            {"text": "pain 4/10", "outcome": "hold", "evidence": ["adapt.hold"]}]
    f = athlete_flags(status="stopped", logs=[log(0), log(2, red_flag="gave way")],
                      calendar=cal(0, 2), today=TODAY, stop_reasons=stop)
    assert codes(f)[:2] == ["stopped", "red_flag"]
    assert f[0].detail == "A red flag was reported: knee gave way."  # the hold is not repeated
    assert f[0].evidence == ("redflag.stop_and_refer",)
    assert "gave way" in f[1].detail


def test_pain_above_the_acceptable_zone() -> None:
    # 5/10 is acceptable (Silbernagel): no flag; 6/10 is high; 8/10 is critical.
    assert athlete_flags(status="active", logs=[log(7, pain=5, morning=0)],
                         calendar=cal(7), today=TODAY) == []
    f = athlete_flags(status="active", logs=[log(7, pain=4, after=6, morning=0)],
                      calendar=cal(7), today=TODAY)
    assert codes(f) == ["pain_above_acceptable"] and f[0].severity == 1
    assert "after 6" in f[0].detail and f[0].evidence == ("pain.during_acceptable_max",)
    f = athlete_flags(status="active", logs=[log(7, pain=8, morning=0)], calendar=cal(7),
                      today=TODAY)
    assert f[0].code == "pain_severe" and f[0].severity == 0
    # Older than the 14-day window: not flagged any more.
    f = athlete_flags(status="active", logs=[log(7, pain=7)], calendar=cal(7),
                      today=TODAY + timedelta(days=15))
    assert "pain_above_acceptable" not in codes(f)


def test_next_morning_pain_rising() -> None:
    # Baseline 0 (profile pain.now): 0 → 2 → 3 is ≥ 2 above it → high (the model regresses).
    logs = [log(0, morning=0), log(2, morning=2), log(7, morning=3)]
    f = athlete_flags(status="active", logs=logs, calendar=cal(0, 2, 7), today=TODAY)
    assert codes(f) == ["morning_pain_rising"] and f[0].severity == 1
    assert "0 → 2 → 3/10" in f[0].detail and "baseline 0/10" in f[0].detail
    # One point above baseline: medium ("not settled").
    logs = [log(0, morning=0), log(2, morning=0), log(7, morning=1)]
    f = athlete_flags(status="active", logs=logs, calendar=cal(0, 2, 7), today=TODAY)
    assert codes(f) == ["morning_pain_rising"] and f[0].severity == 2
    # Settled back to a baseline of 2 (resting pain 2): no flag.
    logs = [log(0, morning=2), log(2, morning=2), log(7, morning=2)]
    assert athlete_flags(status="active", logs=logs, calendar=cal(0, 2, 7), today=TODAY,
                         baseline_pain=2) == []


def test_missing_logs_non_compliance_and_pending_mornings() -> None:
    logs = [log(0), log(2, done="partly", minutes=2.0), log(4, minutes=4.0), log(9, morning=None)]
    f = athlete_flags(status="active", logs=logs, calendar=cal(0, 2, 4, 7, 9, 11),
                      today=TODAY)
    by = {x.code: x for x in f}
    assert by["missing_logs"].severity == 2 and "2026-03-09" in by["missing_logs"].detail
    assert by["non_compliance"].severity == 2 and "2 of 5 min" in by["non_compliance"].detail
    assert by["partial_compliance"].severity == 3
    assert "4 of 5 min" in by["partial_compliance"].detail
    assert by["morning_pending"].severity == 3 and "s9" in by["morning_pending"].detail
    assert [x.severity for x in f] == sorted(x.severity for x in f)
    # Today's session is not missing yet, and a log of today has no morning yet.
    f = athlete_flags(status="active", logs=[log(10, morning=None)], calendar=cal(10),
                      today=TODAY)
    assert f == []


def test_looks_swelling_limp_warnings_and_block_end() -> None:
    logs = [log(7, left=8, right=2, swelling=True), log(9, limp=True,
            warnings=("surface: road, not a track",))]
    f = athlete_flags(status="active", logs=logs, calendar=cal(7, 9), today=TODAY,
                      block_end=TODAY - timedelta(days=1))
    by = {x.code: x for x in f}
    assert by["swelling"].severity == 1 and by["limp"].severity == 1
    assert by["look_imbalance"].title == "Looks uneven: 12 left / 6 right"
    assert "33% apart" in by["look_imbalance"].detail  # |12 - 6| / 18
    assert "road" in by["activity_warnings"].detail
    assert by["block_ended"].severity == 3
    # 20 % apart exactly is not flagged (flag above 20 %).
    assert "look_imbalance" not in codes(
        athlete_flags(status="active", logs=[log(7, left=6, right=4)], calendar=cal(7),
                      today=TODAY))


def test_every_flag_cites_registered_evidence() -> None:
    logs = [log(0, morning=0), log(2, pain=9, morning=4, swelling=True, limp=True,
                                   red_flag="night pain", left=9, right=1),
            log(4, done="no", morning=None)]
    stop = [{"text": "red flag", "outcome": "stop_refer", "evidence": ["redflag.stop_and_refer"]}]
    flags = athlete_flags(status="stopped", logs=logs, calendar=cal(0, 2, 4, 7), today=TODAY,
                          stop_reasons=stop) + athlete_flags(
        status="no_plan", logs=[], calendar=[], today=TODAY)
    assert len(flags) >= 8
    for f in flags:
        for k in f.evidence:
            assert k in EVIDENCE, (f.code, k)


sev = st.integers(0, len(SEVERITY_NAMES) - 1)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5),
                          st.lists(sev, max_size=4)), min_size=1, max_size=12))
def test_sort_key_puts_the_most_severe_first(athletes) -> None:
    rows = [(n, [Flag("x", s, "t", "d") for s in sevs]) for n, sevs in athletes]
    rows.sort(key=lambda r: sort_key(r[0], r[1]))
    tops = [min((f.severity for f in fl), default=len(SEVERITY_NAMES)) for _, fl in rows]
    assert tops == sorted(tops)
    # Within a severity, more flags at that level come first.
    for (_, a), (_, b), ta, tb in zip(rows, rows[1:], tops, tops[1:], strict=False):
        if ta == tb and ta < len(SEVERITY_NAMES):
            assert sum(f.severity == ta for f in a) >= sum(f.severity == tb for f in b)


pain = st.one_of(st.none(), st.integers(0, 10))


@st.composite
def random_logs(draw) -> list[LoggedSession]:
    days = sorted(draw(st.sets(st.integers(0, 30), max_size=12)))
    out = []
    for d in days:
        done = draw(st.sampled_from(["yes", "partly", "no"]))
        out.append(log(
            d, pain=draw(pain), after=draw(st.integers(0, 10)), morning=draw(pain), done=done,
            minutes=draw(st.floats(0, 12, allow_nan=False)), planned=draw(st.floats(0, 10)),
            left=draw(st.integers(0, 9)), right=draw(st.integers(0, 9)),
            swelling=draw(st.booleans()), limp=draw(st.booleans()),
            red_flag=draw(st.one_of(st.none(), st.just("night pain")))))
    return out


@given(random_logs(), st.sampled_from(["active", "stopped", "no_plan"]),
       st.integers(0, 40), st.integers(0, 5))
def test_flags_are_sorted_unique_and_cited(logs, status, today_offset, baseline) -> None:
    today = D0 + timedelta(days=today_offset)
    cal_days = sorted({s.entry.date for s in logs} | {D0 + timedelta(days=9)})
    planned = [{"session_id": f"s{(d - D0).days}", "date": d.isoformat(),
                "backward_minutes": 5.0} for d in cal_days]
    flags = athlete_flags(status=status, logs=logs, calendar=planned, today=today,
                          baseline_pain=baseline)
    assert [f.severity for f in flags] == sorted(f.severity for f in flags)
    assert len({f.code for f in flags}) == len(flags)
    for f in flags:
        assert f.title and 0 <= f.severity < len(SEVERITY_NAMES)
        assert all(k in EVIDENCE for k in f.evidence)
    # Anything a log of the window says about red flags or severe pain is never missed.
    window = [s for s in logs if today - timedelta(days=14) <= s.entry.date <= today]
    if any(s.entry.red_flag for s in window):
        assert flags[0].severity == 0 and "red_flag" in {f.code for f in flags}
    if any((s.entry.pain_during or 0) > 5 or s.entry.pain_after > 5 for s in window):
        assert {"pain_above_acceptable", "pain_severe"} & {f.code for f in flags}
