"""Pinned values of the forecasting layer: reconciliation, interval calibration, target odds.

Each test compares with a number worked out by hand or a closed form, so a mutant that keeps the
shapes right but the numbers wrong (all-zero forecasts, an interval moved the wrong way, the 95%
factor equal to the 80% one, a range target read as one-sided) fails.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from forecasts.frames import SEP

AREAS = pd.DataFrame(
    {
        "code": ["VN", "R1", "R2", "P1", "P2", "P3"],
        "level": ["nation", "region", "region", "province", "province", "province"],
        "parent": [None, "VN", "VN", "R1", "R1", "R2"],
    }
)
BASE = {"P1": 10.0, "P2": 20.0, "P3": 30.0}


def _uid(area: str) -> str:
    return f"X{SEP}{area}"


def _base_forecasts(upper: dict[str, float]) -> pd.DataFrame:
    """Two steps of forecasts: provinces at BASE (+1 on step 2), uppers as given, +-2 intervals."""
    rows = []
    for step, ds in enumerate(pd.date_range("2026-01-01", periods=2, freq="MS")):
        for area, v in {**BASE, **upper}.items():
            y = v + step * (1 if area in BASE else 3 if area == "VN" else 2 if area == "R1" else 1)
            rows.append(
                {"unique_id": _uid(area), "ds": ds, "m": y, "m-lo-80": y - 2, "m-hi-80": y + 2}
            )
    return pd.DataFrame(rows)


def test_bottom_up_keeps_the_provinces_and_adds_them_up() -> None:
    from forecasts import reconcile

    fc = _base_forecasts({"VN": 100.0, "R1": 50.0, "R2": 40.0})  # incoherent uppers
    out = reconcile(fc, None, areas=AREAS, method="bottom_up").set_index(["unique_id", "ds"])
    assert out.attrs["methods"] == {"X": "bottom_up"}
    first, second = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")
    got = {a: out.loc[(_uid(a), first), "m"] for a in ("P1", "P2", "P3", "R1", "R2", "VN")}
    assert got == {"P1": 10.0, "P2": 20.0, "P3": 30.0, "R1": 30.0, "R2": 30.0, "VN": 60.0}
    assert out.loc[(_uid("VN"), second), "m"] == 63.0
    # each interval moves with its point forecast: the width is kept, the centre is the new value
    assert out.loc[(_uid("VN"), first), "m-lo-80"] == 58.0
    assert out.loc[(_uid("VN"), first), "m-hi-80"] == 62.0
    assert out.loc[(_uid("R1"), first), ["m-lo-80", "m-hi-80"]].tolist() == [28.0, 32.0]
    assert out.loc[(_uid("P3"), second), ["m-lo-80", "m-hi-80"]].tolist() == [29.0, 33.0]
    width = out["m-hi-80"] - out["m-lo-80"]
    assert np.allclose(width, 4.0)


def test_without_in_sample_errors_the_provinces_are_added_up() -> None:
    """MinTrace weighs in-sample errors: with no ``fitted``, even ``ols`` (which could run on the
    summing matrix alone) is not tried; with fits that are all NaN (a model without in-sample
    values) MinT has nothing to weigh, fails, and bottom-up runs WITHOUT those errors."""
    from forecasts import reconcile

    fc = _base_forecasts({"VN": 100.0, "R1": 50.0, "R2": 40.0})
    bottom = reconcile(fc, None, areas=AREAS, method="bottom_up")
    assert bottom.loc[bottom["unique_id"] == _uid("VN"), "m"].tolist() == [60.0, 63.0]
    no_fit = reconcile(fc, None, areas=AREAS, method="ols")
    assert no_fit.attrs["methods"] == {"X": "bottom_up"}
    pd.testing.assert_frame_equal(no_fit, bottom)
    hist = pd.date_range("2025-01-01", periods=12, freq="MS")
    fitted = pd.DataFrame(
        [
            {"unique_id": _uid(a), "ds": d, "y": 1.0, "m": np.nan}
            for a in AREAS["code"]
            for d in hist
        ]
    )
    nan_fit = reconcile(fc, fitted, areas=AREAS, method="mint_shrink")
    assert nan_fit.attrs["methods"] == {"X": "bottom_up"}
    pd.testing.assert_frame_equal(nan_fit, bottom)


def test_mint_leaves_coherent_noise_free_forecasts_near_the_base() -> None:
    from forecasts import reconcile

    fc = _base_forecasts({"VN": 60.0, "R1": 30.0, "R2": 30.0})  # already coherent
    rng = np.random.default_rng(3)
    hist = pd.date_range("2023-01-01", periods=36, freq="MS")
    prov = {a: v + np.arange(36) * 0.1 for a, v in BASE.items()}
    fitted_rows = []
    for area in ["P1", "P2", "P3", "R1", "R2", "VN"]:
        members = {"R1": ["P1", "P2"], "R2": ["P3"], "VN": ["P1", "P2", "P3"]}.get(area, [area])
        y = sum(prov[m] for m in members)
        noise = rng.normal(0, 0.01, 36)  # tiny in-sample errors: MinT has something to weigh
        fitted_rows.append(
            pd.DataFrame({"unique_id": _uid(area), "ds": hist, "y": y, "m": y + noise})
        )
    fitted = pd.concat(fitted_rows, ignore_index=True)
    out = reconcile(fc, fitted, areas=AREAS)  # mint_shrink by default
    assert out.attrs["methods"] == {"X": "mint_shrink"}
    merged = fc.merge(out, on=["unique_id", "ds"], suffixes=("_base", ""))
    assert np.allclose(merged["m"], merged["m_base"], atol=1e-6)
    assert np.allclose(merged["m-hi-80"] - merged["m-lo-80"], 4.0)


def test_calibration_factors_are_the_quantiles_of_the_errors_at_each_level() -> None:
    from forecasts.api import calibration_factors

    z = np.arange(1, 101, dtype=float) * np.where(np.arange(100) % 2, 1, -1)  # |z| = 1..100
    z = np.append(z, [np.nan, np.inf])  # not finite: ignored
    got = calibration_factors(z, (80, 95))
    assert got == {80: pytest.approx(80.2), 95: pytest.approx(95.05)}
    # a plain list with None where the error is unknown (as JSON gives it) is read the same way
    assert calibration_factors([*z[:100].tolist(), None], (80, 95)) == got
    # too few errors: the normal quantiles
    few = calibration_factors(np.array([5.0] * 29), (80, 95))
    assert few == {80: pytest.approx(1.281552, abs=1e-6), 95: pytest.approx(1.959964, abs=1e-6)}
    assert calibration_factors(np.array([5.0] * 30), (80, 95)) == {80: 5.0, 95: 5.0}


def test_calibration_factors_per_step_ahead() -> None:
    from forecasts.api import calibration_factors

    # 100 windows x 4 steps: |z| 1..100 at step 1, twice that at step 2; step 3 known 10 times,
    # step 4 known exactly 30 times (|z| 1..30: its 80% quantile is 24.2)
    base = np.arange(1, 101, dtype=float)
    z = np.column_stack(
        [base, -2 * base, np.where(base <= 10, 3.0, np.nan), np.where(base <= 30, base, np.nan)]
    )
    got = calibration_factors(z, (80,))[80]
    pooled = np.quantile(np.abs(z[np.isfinite(z)]), 0.8)
    # each step its own quantile from 30 errors on; a step with fewer the quantile of all steps
    np.testing.assert_allclose(got, [80.2, 160.4, pooled, 24.2])


def test_auto_scales_its_backtest_errors_by_the_final_forecasts_deviation() -> None:
    """The calibration scores are the inner windows' errors over the standard deviation the
    final forecast's intervals are drawn with (not the inner fits' own)."""
    from forecasts.engine import Job, Series, auto, fit_predict

    ds = pd.date_range("2015-01-01", periods=60, freq="MS")
    t = np.arange(60)
    y = 100 + t + 10 * np.sin(2 * np.pi * t / 12) + np.where(t >= 40, 25.0, 0.0)  # a level shift
    s = Series("x", ds, y, None, None, 12, pd.date_range("2020-01-01", periods=6, freq="MS"))
    job = Job(h=6, models=("auto",), level=(80,), n_windows=2, pool=("naive", "snaive"))
    info = auto(s, job, 60, 6)
    final = [fit_predict(m, s, 60, 6, (80,))[0] for m in ("naive", "snaive")]
    sd = np.mean([(f["hi-80"] - f["lo-80"]) / (2 * norm.ppf(0.9)) for f in final], axis=0)
    np.testing.assert_allclose(info["sd"], sd)
    errors = [
        y[c : c + 6]
        - np.median([fit_predict(m, s, c, 6, ())[0]["mean"] for m in ("naive", "snaive")], 0)
        for c in (48, 54)  # the inner windows, oldest first
    ]
    size = [np.mean(np.abs(e)) for e in errors]
    # two windows: each scored against the deviation corrected three quarters of the way
    # towards the size of the other window's errors; the forecast's scale towards the size of
    # both, the latest weighing twice the one before
    assert info["kind"] == "series"
    for row, e, other in zip(info["z"], errors, size[::-1], strict=True):
        np.testing.assert_allclose(row * sd * (other / sd.mean()) ** 0.75, e)
    both = (0.5 * size[0] + size[1]) / 1.5
    np.testing.assert_allclose(info["scale"], sd * (both / sd.mean()) ** 0.75)
    # one window: the final forecast's own deviation
    one = auto(s, dataclasses.replace(job, n_windows=1), 60, 6)
    assert one["kind"] == "sd"
    np.testing.assert_allclose(one["scale"], sd)
    np.testing.assert_allclose(one["z"][0] * sd, errors[1])


def test_calibration_scores_correct_the_deviation_towards_the_recent_errors() -> None:
    """A series' intervals are its models' deviation corrected three quarters of the way towards
    the size of its backtest errors, each window weighing half the one after it; its scores are
    measured on the other windows' error size, never on the window's own."""
    from forecasts.engine import calibration_scores, window_weights

    np.testing.assert_array_equal(window_weights(3), [0.25, 0.5, 1.0])
    sd = np.array([1.0, 3.0])  # mean 2
    inner = [np.array([8.0, -8.0]), np.array([4.0, np.nan]), np.array([-12.0, 12.0])]
    z, scale, kind = calibration_scores(sd, inner, 2)
    assert kind == "series"
    # sizes 8, 4, 12 weighing 1/4, 1/2, 1: (2 + 2 + 12) / 1.75 = 9.142857, over the mean
    # deviation 2: 4.571429, to the power 3/4: 3.126360
    np.testing.assert_allclose(scale, sd * 3.126360, rtol=1e-6)
    others = [  # the weighted size of the two other windows
        (0.5 * 4.0 + 12.0) / 1.5,  # 9.333333
        (0.25 * 8.0 + 12.0) / 1.25,  # 11.2
        (0.25 * 8.0 + 0.5 * 4.0) / 0.75,  # 5.333333
    ]
    factors = [3.175083, 3.640332, 2.086779]  # (others / 2) ** 0.75
    for row, e, o, f in zip(z, inner, others, factors, strict=True):
        assert (o / 2.0) ** 0.75 == pytest.approx(f, rel=1e-6)
        np.testing.assert_allclose(row, e / (sd * f), rtol=1e-6)
    # one window, or windows without errors: scored against the deviation itself
    z1, scale1, kind1 = calibration_scores(sd, inner[:1], 2)
    assert kind1 == "sd" and np.array_equal(scale1, sd)
    np.testing.assert_allclose(z1, [[8.0, -8.0 / 3.0]])
    assert calibration_scores(sd, [], 2)[2] == "sd"
    zero = calibration_scores(sd, [np.zeros(2), np.zeros(2)], 2)
    assert zero[2] == "sd"


def test_weighted_quantile_weighs_the_values_and_is_numpys_with_equal_weights() -> None:
    from forecasts.api import weighted_quantile

    x = np.array([4.0, 2.0, 3.0, 1.0])
    # equal weights: numpy's linear quantile, 3 + (0.8 - 2/3) / (1/3) = 3.4
    assert weighted_quantile(x, np.ones(4), 0.8) == pytest.approx(3.4)
    # 2 weighs twice: sorted values at 0, 1/4, 3/4, 1 of the weight, so 3 + 0.05 / 0.25 = 3.2
    assert weighted_quantile(x, np.array([1.0, 2.0, 1.0, 1.0]), 0.8) == pytest.approx(3.2)
    rng = np.random.default_rng(3)
    v = rng.normal(size=101)
    for q in (0.1, 0.5, 0.8, 0.95):
        assert weighted_quantile(v, np.full(101, 0.5), q) == pytest.approx(np.quantile(v, q))
    assert weighted_quantile(np.array([7.0]), np.array([0.3]), 0.8) == 7.0
    assert weighted_quantile(np.array([3.0, 1.0]), np.array([0.5, 1.0]), 0.25) == 1.5
    # calibration_factors weighs every error by its row's weight, pooled as per step
    from forecasts.api import calibration_factors

    z = np.repeat([-1.0, 4.0], 40)
    w = np.repeat([1.0, 0.5], 40)
    assert calibration_factors(z, (50,), weights=w) == {50: pytest.approx(1.0)}
    assert calibration_factors(z, (50,)) == {50: pytest.approx(2.5)}


def test_calibration_counts_the_latest_inner_window_twice_the_one_before() -> None:
    """40 series whose older inner window erred by 4 scale units and the latest by 1: the median
    of the pooled errors, weighted 1/2 and 1, is 1 (equally weighted it would be 2.5, and 4 if the
    older window counted more)."""
    from forecasts.api import _calibrate

    def result() -> dict:
        return {"season": 12, "rows": {"auto": np.array([10.0])},
                "auto": {"sd": np.array([1.0]), "scale": np.array([2.0]), "kind": "series",
                         "z": np.array([[4.0], [-1.0]])}}  # fmt: skip

    results = [result() for _ in range(40)]
    _calibrate(results, (50, 80))
    for r in results:
        assert r["rows"]["auto-hi-50"][0] == pytest.approx(12.0)  # 10 + 1 x 2
        assert r["rows"]["auto-lo-50"][0] == pytest.approx(8.0)
        assert r["rows"]["auto-hi-80"][0] == pytest.approx(18.0)  # 10 + 4 x 2


def test_backtest_pools_scores_of_each_kind_of_scale_apart() -> None:
    from forecasts.api import _calibrate

    def window(kind: str, zs: float, scale: float) -> dict:
        return {"cols": {"auto": np.array([10.0])},
                "auto": {"sd": np.array([1.0]), "scale": np.array([scale]), "kind": kind,
                         "z": np.full((40, 1), zs)}}  # fmt: skip

    results = [{"season": 12, "rows": [window("sd", 1.0, 1.0)]} for _ in range(2)]
    results += [{"season": 12, "rows": [window("series", 3.0, 2.0)]} for _ in range(2)]
    _calibrate(results, (80,))
    hi = [r["rows"][0]["cols"]["auto-hi-80"][0] for r in results]
    np.testing.assert_allclose(hi, [11.0, 11.0, 16.0, 16.0])  # 10 + 1 x 1, 10 + 3 x 2


def test_backtest_windows_are_calibrated_on_their_own_past() -> None:
    """Each backtest window's intervals come from the errors of the inner backtests before it:
    huge errors in the latest window's inner backtests must not widen the earlier window's."""
    from forecasts.api import _calibrate

    def window(zs: float) -> dict:
        return {"cols": {"auto": np.array([10.0, 10.0])},
                "auto": {"sd": np.array([1.0, 2.0]), "scale": np.array([1.0, 2.0]), "kind": "sd",
                         "z": np.full((40, 2), zs)}}  # fmt: skip

    results = [{"season": 12, "rows": [window(1.5), window(50.0)]} for _ in range(2)]
    _calibrate(results, (80,))
    for r in results:
        early, late = r["rows"][0]["cols"], r["rows"][1]["cols"]
        np.testing.assert_allclose(early["auto-hi-80"], [11.5, 13.0])
        np.testing.assert_allclose(early["auto-lo-80"], [8.5, 7.0])
        np.testing.assert_allclose(late["auto-hi-80"], [60.0, 110.0])


# -- P(target met) against closed forms ---------------------------------------------------------
Z80 = float(norm.ppf(0.9))


def _outlook_row(time_agg: str, comparison: str, value: float, value_hi: float | None = None):
    """``workbench.outlook._one`` on six actual months and a six-month forecast N(10, 1) a month.

    With a constant forecast spread, the random-walk paths move together: the year's last value
    is N(10, 1) and the year's sum is sum(actuals) + N(60, 6).
    """
    from workbench.outlook import _one

    hist = pd.DataFrame(
        {
            "unique_id": "X|VN",
            "ds": pd.date_range("2026-01-01", periods=6, freq="MS"),
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    future = pd.date_range("2026-07-01", periods=6, freq="MS")
    fc = pd.DataFrame(
        {
            "unique_id": "X|VN",
            "ds": future,
            "auto": 10.0,
            "auto-lo-80": 10 - Z80,
            "auto-hi-80": 10 + Z80,
        }
    )
    target = {
        "code": "T", "kind": "NA_GOV", "indicator": "X", "area": "VN", "year": 2026,
        "comparison": comparison, "value": value, "value_hi": value_hi, "source_doc": "", "demo": False,
    }  # fmt: skip
    meta = pd.Series({"time_agg": time_agg, "frequency": "M"})
    return _one(target, meta, hist, fc, "auto")


@pytest.mark.parametrize(
    ("time_agg", "comparison", "value", "value_hi", "p", "status"),
    [
        ("last", ">=", 9.0, None, norm.sf(-1), "on_track"),  # P(N(10,1) >= 9) = 0.841
        ("last", "<=", 9.0, None, norm.cdf(-1), "off_track"),  # 0.159
        ("last", "<=", 10.5, None, norm.cdf(0.5), "at_risk"),  # 0.691
        ("last", "range", 9.5, 11.0, norm.cdf(1) - norm.cdf(-0.5), "at_risk"),  # 0.533
        ("sum", ">=", 75.0, None, norm.sf(-1), "on_track"),  # 21 + N(60, 6) >= 75
        ("sum", "range", 81.0, 93.0, norm.cdf(2) - norm.cdf(0), "at_risk"),  # 0.477
    ],
)
def test_outlook_probability_and_status_follow_the_closed_form(
    time_agg: str, comparison: str, value: float, value_hi: float | None, p: float, status: str
) -> None:
    row = _outlook_row(time_agg, comparison, value, value_hi)
    assert row["p_met"] == pytest.approx(p, abs=0.025)  # 4000 paths: standard error <= 0.008
    assert row["status"] == status
    assert row["actual_to_date"] == (6.0 if time_agg == "last" else 21.0)
    centre, spread = (10.0, 1.0) if time_agg == "last" else (81.0, 6.0)
    assert row["projected"] == pytest.approx(centre, abs=0.1 * spread)
    assert row["lo"] == pytest.approx(centre - Z80 * spread, abs=0.1 * spread)
    assert row["hi"] == pytest.approx(centre + Z80 * spread, abs=0.1 * spread)


def test_status_thresholds() -> None:
    from workbench.outlook import status_of

    assert [status_of(p) for p in (0.7, 0.6999, 0.3, 0.2999, float("nan"), None)] == [
        "on_track",
        "at_risk",
        "at_risk",
        "off_track",
        "no_data",
        "no_data",
    ]


def test_annual_figures_follow_the_time_rule() -> None:
    from forecasts.targets import annual

    df = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2025-11-01", periods=4, freq="MS"),
            "y": [4.0, 1.0, 7.0, 2.0],
        }
    )
    got = {agg: annual(df, agg)["y"].tolist() for agg in ("sum", "mean", "last")}
    assert got == {"sum": [5.0, 9.0], "mean": [2.5, 4.5], "last": [1.0, 2.0]}
    assert annual(df, "sum")["n_periods"].tolist() == [2, 2]
    assert annual(df, "mean").columns.tolist() == ["unique_id", "year", "n_periods", "y"]


# -- the year-end arithmetic on paths the test chooses -----------------------------------------
PATHS = np.array([[3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0], [11.0, 12.0]])


def test_target_probability_on_known_paths() -> None:
    from forecasts.targets import target_probability

    ytd = np.array([1.0, 2.0])
    # sums of the five paths: 10, 14, 18, 22, 26; means: 2.5 ... 6.5; last values: 4 ... 12
    res = target_probability(ytd, PATHS, "sum", target=18.0, comparison=">=", level=(50,))
    assert res["projection"] == 18.0 and res["n_paths"] == 5
    assert (res["lo-50"], res["hi-50"]) == (14.0, 22.0)
    assert res["p_target"] == 0.6  # 18, 22, 26: equality counts
    got = {
        cmp: target_probability(ytd, PATHS, "sum", 18.0, cmp)["p_target"]
        for cmp in (">=", ">", "<=", "<")
    }
    assert got == {">=": 0.6, ">": 0.4, "<=": 0.6, "<": 0.4}
    assert target_probability(ytd, PATHS, "mean", 4.5, ">=")["p_target"] == 0.6
    assert target_probability(ytd, PATHS, "mean")["projection"] == 4.5
    last = target_probability(ytd, PATHS, "last", 8.0, "<=")
    assert (last["projection"], last["p_target"]) == (8.0, 0.6)
    assert target_probability(ytd, PATHS, "sum")["p_target"] is None
    # against last year's figure: growth in percent (18 against 15 is +20%)
    growth = target_probability(ytd, PATHS, "sum", 19.9, ">=", base=15.0, level=(80,))
    assert growth["projection"] == pytest.approx(20.0)
    assert growth["p_target"] == 0.6
    # the 10% and 90% quantiles of 10..26 are 11.6 and 24.4: -22.7% and +62.7% against 15
    assert (growth["lo-80"], growth["hi-80"]) == pytest.approx((-22.6667, 62.6667), abs=1e-4)
    assert target_probability(ytd, PATHS, "sum", periods_per_year=4)["n_paths"] == 5
    with pytest.raises(ValueError, match="2 actual \\+ 2 simulated periods != 12 a year"):
        target_probability(ytd, PATHS, "sum", periods_per_year=12)
    with pytest.raises(ValueError, match="time_agg"):
        target_probability(ytd, PATHS, "median")
    with pytest.raises(ValueError, match="comparison"):
        target_probability(ytd, PATHS, "sum", 1.0, "==")


def test_simulated_paths_follow_their_dependence() -> None:
    from forecasts.targets import simulate_paths

    mean, sd = np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 2.0])
    eps = np.random.default_rng(7).standard_normal((4, 3))
    alone = simulate_paths(mean, sd, n_paths=4, seed=7, dependence="independent")
    assert np.allclose(alone, mean + eps * sd)
    walk = simulate_paths(mean, sd, n_paths=4, seed=7)
    inc = np.sqrt([1.0, 3.0, 0.0])  # variances 1, 4, 4: increments of 1, 3 and 0
    assert np.allclose(walk, mean + np.cumsum(eps * inc, axis=1))
    assert simulate_paths(mean, sd).shape == (4000, 3)
    assert np.allclose(
        simulate_paths(mean, sd, n_paths=4, seed=0), simulate_paths([10, 20, 30], [1, 2, 2], 4)
    )
    with pytest.raises(ValueError, match="dependence"):
        simulate_paths(mean, sd, dependence="ar1")


def test_year_end_uses_the_actuals_then_the_forecasts_of_that_year() -> None:
    from forecasts.targets import year_end

    hist = pd.DataFrame({"ds": pd.date_range("2025-07-01", periods=12, freq="MS"), "y": 1.0})
    fc = pd.DataFrame(
        {
            "ds": pd.date_range("2026-07-01", periods=12, freq="MS"),
            "m": 2.0,
            "m-lo-80": 2.0,
            "m-hi-80": 2.0,
        }
    )
    res = year_end(hist, fc, 2026, "sum", model="m", n_paths=10)
    assert (res["year"], res["n_actual"], res["n_forecast"]) == (2026, 6, 6)
    assert res["projection"] == pytest.approx(6 * 1.0 + 6 * 2.0)
    nothing_yet = year_end(hist.iloc[:0], fc, 2027, "sum", model="m", n_paths=10)
    assert (nothing_yet["n_actual"], nothing_yet["n_forecast"]) == (0, 6)
    assert nothing_yet["projection"] == pytest.approx(12.0)
    done = year_end(hist, fc.iloc[:0], 2025, "mean", model="m", target=1.0)
    assert (done["n_actual"], done["n_forecast"], done["p_target"]) == (6, 0, 1.0)
    assert done["n_paths"] == 1  # the year is known: one path, no spread
    with pytest.raises(ValueError, match="no intervals for 'auto'"):
        year_end(hist, fc, 2026, "sum")


def test_hierarchy_summing_matrix_and_tags() -> None:
    from forecasts.reconciliation import hierarchy

    uids = [_uid(a) for a in ("P3", "R2", "P1", "VN", "R1", "P2")]
    S, tags = hierarchy(uids, AREAS)
    assert S["unique_id"].tolist() == [_uid(a) for a in ("VN", "R1", "R2", "P1", "P2", "P3")]
    assert S.columns.tolist() == ["unique_id", _uid("P1"), _uid("P2"), _uid("P3")]
    assert S.iloc[:, 1:].to_numpy().tolist() == [
        [1, 1, 1],
        [1, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
    ]
    assert {k: v.tolist() for k, v in tags.items()} == {
        "nation": [_uid("VN")],
        "region": [_uid("R1"), _uid("R2")],
        "province": [_uid("P1"), _uid("P2"), _uid("P3")],
    }
    only_provinces, tags = hierarchy([_uid("P2"), _uid("P1")], AREAS)
    assert only_provinces["unique_id"].tolist() == [_uid("P1"), _uid("P2")]
    assert list(tags) == ["province"]
    # object arrays, as hierarchicalforecast's own aggregate() gives its tags
    assert [v.dtype for v in tags.values()] == [np.dtype(object)]
    with pytest.raises(ValueError, match="unknown area code"):
        hierarchy([_uid("P1"), _uid("ZZ")], AREAS)
    six = [_uid(f"Z{i}") for i in range(1, 7)]  # the message names the first five
    with pytest.raises(ValueError, match=r"code\(s\) \['Z1', 'Z2', 'Z3', 'Z4', 'Z5'\]$"):
        hierarchy([_uid("P1"), *six], AREAS)
    with pytest.raises(ValueError, match="expected one indicator"):
        hierarchy([_uid("P1"), f"Y{SEP}P2"], AREAS)
    with pytest.raises(ValueError, match="no province series"):
        hierarchy([_uid("VN")], AREAS)


def test_each_indicator_is_reconciled_in_its_own_hierarchy() -> None:
    """Two indicators in one frame (Y's rows first): each nation is the sum of its own provinces,
    and the methods are reported in indicator order."""
    from forecasts import reconcile

    x = _base_forecasts({"VN": 100.0, "R1": 50.0, "R2": 40.0})
    y = x.assign(unique_id=x["unique_id"].str.replace("X", "Y"))
    y[["m", "m-lo-80", "m-hi-80"]] *= 10
    out = reconcile(pd.concat([y, x], ignore_index=True), None, areas=AREAS, method="bottom_up")
    assert list(out.attrs["methods"]) == ["X", "Y"]
    first = out[out["ds"] == "2026-01-01"].set_index("unique_id")["m"]
    assert (first[_uid("VN")], first[f"Y{SEP}VN"], first[f"Y{SEP}R2"]) == (60.0, 600.0, 300.0)
    assert out["unique_id"].tolist() == sorted(out["unique_id"]) and len(out) == 24
    assert out.columns.tolist() == x.columns.tolist() and out.index.tolist() == list(range(24))


def test_reconcile_refuses_series_ending_on_different_periods() -> None:
    from forecasts import reconcile

    fc = _base_forecasts({"VN": 60.0})
    fc = fc[~((fc["unique_id"] == _uid("P1")) & (fc["ds"] == fc["ds"].max()))]
    with pytest.raises(ValueError, match="end on different periods"):
        reconcile(fc, None, areas=AREAS, method="bottom_up")


def test_exact_decimals_are_read_as_floats() -> None:
    """Values fetched as exact decimals (DuckDB's DECIMAL arrives as ``decimal.Decimal``) give the
    same paths and odds as floats; Python refuses ``Decimal + float``, so they are converted first."""
    from decimal import Decimal

    from forecasts.targets import simulate_paths, target_probability

    def dec(a: np.ndarray) -> np.ndarray:
        return np.array([[Decimal(str(v)) for v in row] for row in np.atleast_2d(a)], dtype=object)

    mean, sd = np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 2.0])
    got = simulate_paths(dec(mean)[0], dec(sd)[0], n_paths=4, seed=7)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, simulate_paths(mean, sd, n_paths=4, seed=7))
    ytd = np.array([1.0, 2.0])
    exact = target_probability(dec(ytd)[0], dec(PATHS), "sum", 18.0, ">=", level=(50,))
    assert exact == target_probability(ytd, PATHS, "sum", 18.0, ">=", level=(50,))
    assert (exact["projection"], exact["p_target"]) == (18.0, 0.6)


def _year_2026() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actuals January-June 2026; a forecast of the WHOLE year (as a backtest gives), mean 10 + t,
    80% and 95% intervals whose standard deviation is 1, 2, ... 12."""
    hist = pd.DataFrame({"ds": pd.date_range("2026-01-01", periods=6, freq="MS"), "y": 3.0})
    t = np.arange(12.0)
    sd = t + 1
    fc = pd.DataFrame({"ds": pd.date_range("2026-01-01", periods=12, freq="MS"), "m": 10 + t})
    for lv in (80, 95):
        z = norm.ppf(0.5 + lv / 200)
        fc[f"m-lo-{lv}"], fc[f"m-hi-{lv}"] = fc["m"] - z * sd, fc["m"] + z * sd
    return hist, fc


def test_year_end_simulates_the_rest_of_the_year_from_the_widest_interval() -> None:
    """The forecast rows at or before the last actual are not used; the standard deviation is the
    widest interval's half-width over its normal quantile; seed, dependence, base and levels are
    passed on: the result equals target_probability on the paths worked out here."""
    from forecasts.targets import simulate_paths, target_probability, year_end

    hist, fc = _year_2026()
    got = year_end(hist, fc, 2026, "sum", model="m", target=120.0, base=100.0, n_paths=50,
                   seed=3, dependence="independent", level=(50,))  # fmt: skip
    mean, sd = 10 + np.arange(6.0, 12.0), np.arange(7.0, 13.0)  # July to December
    paths = simulate_paths(mean, sd, n_paths=50, seed=3, dependence="independent")
    want = target_probability(np.full(6, 3.0), paths, "sum", 120.0, ">=", 100.0, (50,))
    assert set(got) == {*want, "year", "n_actual", "n_forecast"}
    assert {k: got[k] for k in want} == pytest.approx(want, rel=1e-12)
    assert (got["year"], got["n_actual"], got["n_forecast"]) == (2026, 6, 6)
    # 18 actual + 111 forecast = 129 is +29% on 100; the sum's spread is 24.5 (the median of 50
    # paths: about 4.3)
    assert got["projection"] == pytest.approx(29.0, abs=13.0)


def test_year_end_defaults_are_4000_random_walk_paths_from_seed_0() -> None:
    from forecasts.targets import simulate_paths, target_probability, year_end

    hist, fc = _year_2026()
    got = year_end(hist, fc, 2026, "mean", model="m", target=12.0)
    paths = simulate_paths(10 + np.arange(6.0, 12.0), np.arange(7.0, 13.0), 4000, 0)
    want = target_probability(np.full(6, 3.0), paths, "mean", 12.0)
    assert got["n_paths"] == 4000 and set(want) == {"projection", "lo-80", "hi-80", "lo-95",
                                                     "hi-95", "p_target", "n_paths"}  # fmt: skip
    assert {k: got[k] for k in want} == pytest.approx(want, rel=1e-12)
