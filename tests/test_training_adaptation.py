"""Every branch of the pain-monitoring adaptation, on realistic sequences of logs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrorun.training.adaptation import (
    OUTCOMES,
    Keys,
    LoggedSession,
    compliant_streak,
    decide,
    morning_baseline,
)
from retrorun.training.logs import SessionLogEntry

D0 = date(2026, 3, 2)  # a Monday
MAX = 7


def s(
    i: int,
    during: int | None = 1,
    after: int | None = None,
    morning: int | None = 0,
    *,
    level: int = 2,
    minutes: float = 8.0,
    planned: float = 8.0,
    done: str = "yes",
    swelling: bool = False,
    limp: bool = False,
    red_flag: str | None = None,
    day: int | None = None,
) -> LoggedSession:
    """Session *i* of a Mon/Wed/Fri block (or on *day* days after D0)."""
    d = D0 + timedelta(days=day if day is not None else (i // 3) * 7 + (i % 3) * 2)
    e = SessionLogEntry(
        date=d, session_id=f"s{i}", done=done,  # type: ignore[arg-type]
        backward_minutes=0.0 if done == "no" else minutes, rpe=4,
        pain_during=during, pain_after=during if after is None else after,
        pain_next_morning=morning, swelling=swelling, limp=limp, red_flag=red_flag,
    )
    return LoggedSession(e, level, planned)


def codes(d) -> set[str]:
    return {r.code for r in d.reasons}


def test_pain_2_then_2_progresses() -> None:
    d1 = decide([s(0, 2, morning=0)], max_level=MAX)
    assert d1.outcome == "hold" and "need_two_compliant" in codes(d1)
    d2 = decide([s(0, 2, morning=0), s(1, 2, morning=0)], max_level=MAX)
    assert d2.outcome == "progress"
    assert (d2.level_before, d2.level_after) == (2, 3)
    assert not d2.provisional
    assert Keys.TWO_COMPLIANT in d2.evidence_keys and Keys.PAIN_SAFE in d2.evidence_keys


def test_streak_resets_after_level_change() -> None:
    logs = [s(0, 1), s(1, 1), s(2, 1, level=3)]
    assert compliant_streak(logs, 3) == 1
    assert decide(logs, max_level=MAX).outcome == "hold"


def test_pain_6_during_regresses() -> None:
    d = decide([s(0, 2), s(1, 6, morning=2)], max_level=MAX)
    assert d.outcome == "regress"
    assert d.level_after == 1 and d.rest_days == 2
    assert "pain_during_over" in codes(d)
    assert Keys.PAIN_MAX in d.evidence_keys


def test_regress_at_lowest_level_stays_at_zero() -> None:
    d = decide([s(0, 6, morning=1, level=0)], max_level=MAX)
    assert d.outcome == "regress" and d.level_after == 0


def test_pain_4_or_5_holds() -> None:
    for p in (4, 5):
        d = decide([s(0, 2), s(1, p, morning=0)], max_level=MAX)
        assert d.outcome == "hold", p
        assert "pain_during_acceptable" in codes(d)


def test_next_morning_one_point_higher_holds() -> None:
    # Resting pain 1/10 at screening; mornings at 1, then 2: not settled → hold.
    d = decide([s(0, 2, morning=1), s(1, 2, morning=2)], max_level=MAX, baseline_pain=1)
    assert d.outcome == "hold" and "morning_not_settled" in codes(d)


def test_baseline_is_robust_to_one_bad_morning_and_follows_improvement() -> None:
    # Mornings 1, 1, 4 (a bad day), then 1: the baseline stays 1 (median), so a morning of 2
    # is "not settled" (hold), not judged against the bad day's 4.
    logs = [s(0, 1, morning=1), s(1, 1, morning=1), s(2, 6, morning=4), s(3, 1, morning=1)]
    assert morning_baseline(logs, 1) == 1
    d = decide([*logs, s(4, 1, morning=2, level=1)], max_level=MAX, baseline_pain=1)
    assert "morning_not_settled" in codes(d)
    # Screening said 3/10 at rest; mornings have been 0: the baseline is now 0.
    better = [s(0, 1, morning=0), s(1, 1, morning=0)]
    assert morning_baseline(better, 3) == 0
    assert decide([*better, s(2, 1, morning=2)], max_level=MAX, baseline_pain=3).outcome == \
        "regress"
    # Mornings older than 14 days are forgotten: back to the profile's resting pain.
    old = [s(0, 1, morning=0, day=0)]
    assert morning_baseline(old, 2, on=D0 + timedelta(days=30)) == 2


def test_next_morning_two_points_higher_regresses() -> None:
    d = decide([s(0, 2, morning=0), s(1, 2, morning=2)], max_level=MAX)
    assert d.outcome == "regress" and "morning_higher" in codes(d)
    assert Keys.PAIN_MORNING in d.evidence_keys


def test_profile_baseline_used_before_any_morning_value() -> None:
    # Chronic pain of 2/10 at rest: a morning value of 2 has settled to baseline.
    logs = [s(0, 2, morning=2), s(1, 2, morning=2)]
    assert decide(logs[:1], max_level=MAX, baseline_pain=2).outcome == "hold"
    assert decide(logs, max_level=MAX, baseline_pain=2).outcome == "progress"
    assert decide(logs[:1], max_level=MAX, baseline_pain=0).outcome == "regress"


def test_missing_morning_is_provisional_hold_then_progress() -> None:
    first = s(0, 1)
    pending = s(1, 1, morning=None)
    d = decide([first, pending], max_level=MAX)
    assert d.outcome == "hold" and d.provisional and "awaiting_morning" in codes(d)
    settled = LoggedSession(pending.entry.with_(pain_next_morning=0), 2, 8.0)
    d2 = decide([first, settled], max_level=MAX)
    assert d2.outcome == "progress" and not d2.provisional


def test_missing_morning_does_not_soften_a_regress() -> None:
    d = decide([s(0, 1), s(1, 7, morning=None)], max_level=MAX)
    assert d.outcome == "regress" and not d.provisional


def test_new_swelling_regresses_and_persisting_swelling_holds_then_refers() -> None:
    a = [s(0, 1), s(1, 1, swelling=True)]
    assert decide(a, max_level=MAX).outcome == "regress"
    b = [*a, s(2, 1, swelling=True, level=1)]
    db = decide(b, max_level=MAX)
    assert db.outcome == "hold" and "swelling_persisting" in codes(db)
    c = [*b, s(3, 1, swelling=True, level=1)]
    assert decide(c, max_level=MAX).outcome == "stop_refer"


def test_limp_regresses_twice_refers() -> None:
    a = [s(0, 1), s(1, 2, limp=True)]
    d = decide(a, max_level=MAX)
    assert d.outcome == "regress" and Keys.GAIT_CHANGE in d.evidence_keys
    d2 = decide([*a, s(2, 1, limp=True, level=1)], max_level=MAX)
    assert d2.outcome == "stop_refer" and "persistent_limp" in codes(d2)


def test_return_to_run_rules_are_stricter_after_swelling() -> None:
    # Pain 3/10 is "safe" normally, but within 14 days of swelling the limit is 2/10.
    logs = [s(0, 1, swelling=True), s(1, 3, morning=0, level=1), s(2, 3, morning=0, level=1)]
    d = decide(logs, max_level=MAX)
    assert d.outcome == "hold" and Keys.RTR_PAIN in d.evidence_keys
    ok = [s(0, 1, swelling=True), s(1, 2, morning=0, level=1), s(2, 2, morning=0, level=1)]
    assert decide(ok, max_level=MAX).outcome == "progress"
    # Pain rising during the run (after > during) also holds under these rules.
    rising = [*ok[:2], s(2, 1, after=2, level=1)]
    assert "pain_rising_rtr" in codes(decide(rising, max_level=MAX))
    # Without recent swelling, pain 3 twice progresses.
    plain = [s(10, 3, morning=0), s(11, 3, morning=0)]
    assert decide(plain, max_level=MAX).outcome == "progress"


def test_red_flag_refers_at_any_time() -> None:
    d = decide([s(0, 0, red_flag="knee gave way and locked")], max_level=MAX)
    assert d.outcome == "stop_refer" and "red_flag" in codes(d)
    assert Keys.RED_FLAGS in d.evidence_keys
    assert d.level_after == d.level_before


def test_severe_pain_refers() -> None:
    assert decide([s(0, 8, morning=None)], max_level=MAX).outcome == "stop_refer"


def test_unacceptable_pain_twice_refers() -> None:
    d = decide([s(0, 6, morning=2), s(1, 6, morning=1, level=1)], max_level=MAX)
    assert d.outcome == "stop_refer" and "repeated_unacceptable_pain" in codes(d)


def test_partly_done_and_off_plan_hold() -> None:
    assert decide([s(0, 1), s(1, 1, done="partly", minutes=4)], max_level=MAX).outcome == "hold"
    assert decide([s(0, 1), s(1, 1, done="no")], max_level=MAX).outcome == "hold"
    # 10 of 8 planned minutes = 125 %: beyond ±15 %, not "as planned".
    d = decide([s(0, 1), s(1, 1, minutes=10)], max_level=MAX)
    assert d.outcome == "hold" and "off_plan" in codes(d)
    # 9 of 8 = 112.5 %: within 15 %, counts.
    assert decide([s(0, 1), s(1, 1, minutes=9)], max_level=MAX).outcome == "progress"


def test_weekly_pain_rise_holds() -> None:
    week1 = [s(0, 0), s(1, 0), s(2, 1)]
    week2 = [s(3, 2, morning=0), s(4, 2, morning=0)]
    d = decide(week1 + week2, max_level=MAX)
    assert d.outcome == "hold" and "weekly_pain_rising" in codes(d)


def test_top_level_holds() -> None:
    d = decide([s(0, 1, level=MAX), s(1, 1, level=MAX)], max_level=MAX)
    assert d.outcome == "hold" and d.level_after == MAX and "top_level" in codes(d)


def test_decide_needs_a_log() -> None:
    with pytest.raises(ValueError):
        decide([], max_level=MAX)


_pain = st.one_of(st.none(), st.integers(0, 10))


@st.composite
def log_sequences(draw):
    n = draw(st.integers(1, 8))
    out = []
    level = draw(st.integers(0, MAX))
    for i in range(n):
        done = draw(st.sampled_from(["yes", "partly", "no"]))
        out.append(s(
            i, draw(st.integers(0, 10)), draw(st.integers(0, 10)), draw(_pain),
            level=level, done=done, minutes=draw(st.floats(1, 20)),
            swelling=draw(st.booleans()), limp=draw(st.booleans()),
            red_flag=draw(st.sampled_from([None, None, None, "night pain"])),
        ))
    return out


@settings(max_examples=300, deadline=None)
@given(log_sequences())
def test_decision_invariants(logs) -> None:
    d = decide(logs, max_level=MAX)
    last = logs[-1].entry
    assert d.outcome in OUTCOMES
    assert 0 <= d.level_after <= MAX
    assert abs(d.level_after - d.level_before) <= 1
    assert d.reasons and all(r.evidence for r in d.reasons)
    # Safety: a red flag always refers; unacceptable pain never progresses or holds.
    if last.red_flag:
        assert d.outcome == "stop_refer"
    if max(last.pain_during or 0, last.pain_after or 0) > 5:
        assert d.outcome in ("regress", "stop_refer")
    if last.swelling or last.limp or last.done != "yes" or last.pain_next_morning is None:
        assert d.outcome != "progress"
    if d.outcome == "progress":
        assert d.level_after == d.level_before + 1 and not d.provisional


def test_every_rule_cites_a_registered_evidence_key() -> None:
    import retrorun.training.evidence_extra  # noqa: F401  (registers the design rules)
    from retrorun.prescription.evidence import EVIDENCE

    missing = [k for k in Keys.all() if k not in EVIDENCE]
    assert missing == []
    for k in Keys.all():
        if k.startswith("design."):
            assert EVIDENCE[k].design_rule and EVIDENCE[k].reason, k
        else:
            assert EVIDENCE[k].citation, k


def test_skipped_session_is_a_final_hold() -> None:
    d = decide([s(0, 1), s(1, None, after=None, morning=None, done="no")], max_level=MAX)
    assert d.outcome == "hold" and not d.provisional and "not_done" in codes(d)
