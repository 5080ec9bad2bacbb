"""The evidence registry: every number has a source or is a labelled design rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrorun.prescription.evidence import (
    EVIDENCE,
    EVIDENCE_GAPS,
    cite,
    explain,
    gaps_for,
    value,
)
from retrorun.prescription.planner import build_plan, make_limits
from retrorun.prescription.profile import load_profile

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"


def test_every_entry_has_source_or_is_design_rule() -> None:
    for key, e in EVIDENCE.items():
        assert key == e.key
        if e.design_rule:
            assert e.reason, key
            assert e.grade == ""
        else:
            assert e.citation, key
            assert e.grade in ("V", "U"), key
        assert e.label


# Numbers as written in evidence.md (the research file); the registry must carry exactly these.
@pytest.mark.parametrize(("key", "values"), [
    ("speed.ceiling_fraction", (0.70,)),
    ("caps.session_vs_longest_30d", (1.1,)),
    ("caps.two_week_growth", (1.3,)),
    ("dose.sessions_per_week", (3,)),
    ("dose.block_weeks", (6,)),
    ("dose.start_minutes", (5, 10)),
    ("dose.max_walking_minutes_lbp", (30,)),
    ("screening.bwt_3m_supervised_s", (5.5,)),
    ("screening.bwt_3m_refer_s", (8.15,)),
    ("pain.during_safe_max", (3,)),
    ("pain.during_acceptable_max", (5,)),
    ("rtr.pain_max", (2,)),
    ("progression.min_compliant_sessions", (2,)),
    ("load.backward_factor", (1.3,)),
    ("load.monotony_max", (2.0,)),
    ("load.acwr_band", (0.8, 1.3, 1.5)),
    ("compliance.bands", (0.15, 0.35)),
])
def test_numbers_match_research(key, values) -> None:
    assert EVIDENCE[key].values == pytest.approx(values)


def test_training_log_keys_exist() -> None:
    for key in ("pain.settle_by_next_morning", "pain.no_week_to_week_rise",
                "rtr.no_limp_next_morning", "rtr.swelling_same_or_less", "load.srpe",
                "load.monotony_injury", "adapt.hold", "adapt.regress"):
        assert key in EVIDENCE
    assert "Lolli" in EVIDENCE["load.acwr_band"].citation
    assert "Impellizzeri" in EVIDENCE["load.acwr_band"].citation
    assert "Frandsen" in EVIDENCE["load.acwr_band"].citation
    assert "Wright & Weyand" in EVIDENCE["load.backward_factor"].citation


def test_design_rules_labelled() -> None:
    assert EVIDENCE["looks.alternate_equal"].design_rule
    assert EVIDENCE["caps.weekly_share"].design_rule
    assert cite("looks.alternate_equal").startswith("design rule")
    assert cite("speed.ceiling_fraction").startswith("[V] Sterzing")


def test_limits_come_from_registry() -> None:
    p = load_profile(EXAMPLES / "novice-lateral-knee.toml")
    lim = make_limits(p)
    assert lim.speed_fraction == value("speed.ceiling_fraction")
    assert lim.session_growth_max == value("caps.session_vs_longest_30d")
    assert lim.two_week_growth_max == value("caps.two_week_growth")
    # share 1/3 of all running: b ≤ 0.5 × 75 forward min
    assert lim.weekly_backward_max == pytest.approx(37.5)


def test_gaps_by_condition() -> None:
    keys = {g.key for g in EVIDENCE_GAPS}
    assert {"gap.itbs", "gap.plantar", "gap.looks"} <= keys
    assert "gap.itbs" in {g.key for g in gaps_for("lateral_knee_pain")}
    assert "gap.itbs" not in {g.key for g in gaps_for("plantar_heel_pain")}
    assert "gap.looks" in {g.key for g in gaps_for("none")}


def test_explain_every_number_has_a_source() -> None:
    p = load_profile(EXAMPLES / "supervised-balance.toml")
    plan = build_plan(p, dt.date(2026, 12, 1))
    ex = explain(plan)
    topics = [x.topic for x in ex]
    for t in ("Start level", "Pace ceiling", "Session cap", "Two-week cap", "Share of running",
              "Look-behinds", "Supervision", "Evidence gap"):
        assert t in topics
    for x in ex:
        assert x.source
        for k in x.evidence_keys:
            assert k in EVIDENCE
    pace = next(x for x in ex if x.topic == "Pace ceiling")
    # 0.7 × 1000/450 = 1.5556 m/s, written floored to 1.555 m/s → 643.1 s/km, rounded up to 10:44
    assert pace.value == "1.55 m/s (10:44/km)"
    assert "Sterzing" in pace.source
