"""Cycles, symmetry indices and the comparison statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from retrorun.biomech.asymmetry import asymmetry_table, symmetry_index
from retrorun.biomech.compare import (
    compare_analyses,
    compare_samples,
    hedges_g,
    mechanics_of,
    metric_label,
)
from retrorun.biomech.cycles import Cycle, cycle_metrics, stances, strides, time_normalize


def test_stances_and_strides_pairing():
    fs = np.array([0.10, 1.10, 2.10])
    to = np.array([0.05, 0.70, 1.75, 2.60])
    st_ = stances(fs, to, "left")
    assert [(c.start, c.end) for c in st_] == [(0.10, 0.70), (1.10, 1.75), (2.10, 2.60)]
    # a toe-off missing before the next strike -> no stance for that strike
    st2 = stances(fs, np.array([0.7, 2.6]), "left")
    assert [(c.start, c.end) for c in st2] == [(0.1, 0.7), (2.1, 2.6)]
    sd = strides(fs, "right")
    assert [(c.start, c.end, c.kind, c.side) for c in sd] == [
        (0.10, 1.10, "stride", "right"), (1.10, 2.10, "stride", "right")]


@given(st.floats(0.0, 0.5), st.floats(0.2, 1.0), st.floats(-3, 3), st.floats(-5, 5))
@settings(max_examples=40, deadline=None)
def test_time_normalize_is_exact_for_linear_signals(start, dur, slope, icpt):
    t = np.arange(0, 2.0, 0.01)
    x = icpt + slope * t
    c = time_normalize(x, t, [Cycle(start, start + dur, "stride", "left")])
    expect = icpt + slope * (start + np.linspace(0, 1, 101) * dur)
    np.testing.assert_allclose(c[0], expect, atol=1e-9)


def test_time_normalize_multichannel_and_out_of_range():
    t = np.arange(0, 1.0, 0.01)
    x = np.column_stack([t, 2 * t])
    c = time_normalize(x, t, [Cycle(0.1, 0.5, "stance", "left"), Cycle(0.8, 1.5, "stance", "l")])
    assert c.shape == (2, 101, 2)
    np.testing.assert_allclose(c[0, -1], [0.5, 1.0], atol=1e-12)
    assert np.isnan(c[1, -1]).all() and not np.isnan(c[1, 0]).any()


def test_cycle_metrics():
    x = np.linspace(0, 1, 101)
    curves = np.stack([np.sin(np.pi * x), np.full(101, np.nan)])
    m = cycle_metrics(curves)
    assert m["peak"][0] == pytest.approx(1.0) and m["peak_time_pct"][0] == pytest.approx(50)
    assert m["range"][0] == pytest.approx(1.0) and m["at_strike"][0] == pytest.approx(0.0)
    assert np.isnan(m["peak"][1]) and np.isnan(m["range"][1])


def test_symmetry_index_values_and_floor():
    assert symmetry_index(10.0, 12.0) == pytest.approx(100 * 2 / 11)
    assert symmetry_index(12.0, 10.0) == pytest.approx(-100 * 2 / 11)
    assert np.isnan(symmetry_index(-1.0, 1.0, floor=0.5))
    tab = asymmetry_table({"a": {"left": [1, 2, np.nan], "right": [3.0]},
                           "b": {"left": [-1.0], "right": [1.2]}}, floors={"b": 1.0})
    assert tab["a"]["left_mean"] == 1.5 and tab["a"]["n_left"] == 2
    assert tab["a"]["difference"] == pytest.approx(1.5)
    assert tab["b"]["symmetry_index_pct"] is None and tab["b"]["difference"] == pytest.approx(2.2)


def test_hedges_g_matches_formula():
    a = np.array([1.0, 2, 3, 4, 5])
    b = np.array([3.0, 4, 5, 6, 7, 8])
    sp = np.sqrt((4 * a.var(ddof=1) + 5 * b.var(ddof=1)) / 9)
    assert hedges_g(a, b) == pytest.approx((1 - 3 / 35) * (b.mean() - a.mean()) / sp)
    d = np.array([0.5, 1.0, 1.5, 0.7])
    assert hedges_g(np.zeros(4), d, paired=True) == pytest.approx(
        (1 - 3 / 11) * d.mean() / d.std(ddof=1))


def test_compare_samples_matches_scipy_and_bootstrap_is_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 2, 30), rng.normal(11, 2, 25)
    r = compare_samples(a, b)
    assert r["p_value"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    np.testing.assert_allclose(r["ci_t"], [ci.low, ci.high], rtol=1e-9)
    assert r["ci_bootstrap"] == compare_samples(a, b)["ci_bootstrap"]  # seeded
    assert r["ci_bootstrap"][0] < r["difference"] < r["ci_bootstrap"][1]
    p = compare_samples(a[:25], b, paired=True)
    assert p["p_value"] == pytest.approx(stats.ttest_rel(b, a[:25]).pvalue)
    assert p["n_a"] == p["n_b"] == 25
    assert compare_samples([1.0], [2.0])["test"] == "too few strides"


def test_compare_analyses_on_documents():
    def doc(shift):
        return {"mechanics": {"joints": {"per_stride": {
            "left": {"knee_flexion_peak_deg": list(np.arange(10.0) + shift),
                     "stance_start_s": list(np.arange(10.0))},
            "right": {"knee_flexion_peak_deg": [None, 1.0, 2.0]}}}}}

    res = compare_analyses(doc(0), doc(20), labels=("fwd", "bwd"))
    m = res["metrics"]["knee_flexion_peak_deg"]
    assert m["left"]["difference"] == pytest.approx(20.0)
    assert m["right"]["n_a"] == 2
    assert "stance_start_s" not in res["metrics"]
    line = next(s for s in res["summary"] if s.startswith("left "))
    # unit after the numbers, not left in the metric name
    assert line.startswith("left knee flexion peak: bwd − fwd = +20.00 deg (95 % CI ")
    assert "peak deg" not in line and line.count(" deg") == 2
    assert metric_label("kam_lever_peak_nm_per_kg") == ("kam lever peak", "N·m/kg")
    assert metric_label("stance_time_s") == ("stance time", "s")
    assert metric_label("ankle_dorsiflexion_at_strike_deg") == (
        "ankle dorsiflexion at strike", "deg")
    with pytest.raises(ValueError, match="mechanics"):
        mechanics_of({"direction": "forward"})
