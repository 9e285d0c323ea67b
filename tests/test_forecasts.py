"""Behaviour of the forecasts package on series the tests build (no store, no network)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasts as F
from forecasts.base import ForecastInputError
from forecasts.registry import make, models

IDX = pd.date_range("2015-01-01", periods=84, freq="MS")


def _monthly(uid: str = "s", n: int = 84, seed: int = 0, level: float = 100.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.5, n)
    return pd.DataFrame({"unique_id": uid, "ds": IDX[:n], "y": y})


# -- the model contract, once over every registered model -----------------------------------------
HEAVY = {"arima", "hgb"}  # seasonal AutoARIMA search and boosting: seconds each, run as slow


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in sorted(models())],
)
def test_model_contract(name: str) -> None:
    df = _monthly()
    y = df["y"].to_numpy()
    X = F.add_tet(df)[["tet"]].to_numpy()
    model = make(name, season_length=12)
    assert all(not k.endswith("_") for k in vars(model)), "__init__ stores parameters only"
    with pytest.raises(RuntimeError):
        model.predict(3)
    assert model.fit(y[:-6], X[:-6], IDX[:78]) is model
    first = model.predict(6, X[-6:], level=(80, 95))
    assert set(first) >= {"mean", "lo-80", "hi-80", "lo-95", "hi-95"}
    for v in first.values():
        assert v.shape == (6,) and np.all(np.isfinite(v))
    assert np.all(first["lo-95"] <= first["lo-80"] + 1e-9)
    assert np.all(first["lo-80"] <= first["hi-80"])
    assert np.all(first["hi-80"] <= first["hi-95"] + 1e-9)
    assert len(model.fitted_) == 78
    # a second fit starts over (different data, then the same again gives the same forecast)
    model.fit(y[:60], X[:60], IDX[:60])
    model.fit(y[:-6], X[:-6], IDX[:78])
    np.testing.assert_allclose(model.predict(6, X[-6:], level=(80,))["mean"], first["mean"])
    # the form the fit chose, fixed, gives the same forecast without the search
    form = model.chosen_form()
    assert set(form) <= set(model.get_params())
    fixed = make(name, season_length=12, **form).fit(y[:-6], X[:-6], IDX[:78])
    np.testing.assert_allclose(fixed.predict(6, X[-6:])["mean"], first["mean"], rtol=1e-6)
    clone = model.clone()
    assert clone.get_params() == model.get_params() and not hasattr(clone, "n_obs_")
    with pytest.raises(ForecastInputError, match="horizon"):
        model.predict(0, X[:0])
    with pytest.raises(ForecastInputError, match="NaN"):
        make(name, season_length=12).fit(np.r_[y[:40], np.nan, y[41:]])


def test_backtest_windows_refit_the_chosen_form_or_search_when_it_cannot_fit() -> None:
    from forecasts import engine

    (s,), _ = F.prepare(_monthly(), 6)
    _, _, form = engine.fit_predict("ets", s, 84, 6, (80,))
    assert form["model"][2] in "AM"  # the series is seasonal, and ETS found it
    out, _, same = engine.fit_predict("ets", s, 78, 6, (80,), form=form)
    assert same == form and np.all(np.isfinite(out["mean"]))
    # 20 months hold no two seasons: the seasonal type cannot be fitted, so ETS searches again
    _, _, short = engine.fit_predict("ets", s, 20, 6, (80,), form=form)
    assert short["model"][2] == "N"


def test_prepare_notes_duplicates_and_treats_infinities_as_missing() -> None:
    df = _monthly(n=36)
    df.loc[10, "y"] = np.inf
    df.loc[11, "y"] = -np.inf
    dup = df.iloc[[20]].assign(y=500.0)  # a later row for the same month: it wins
    (s,), dropped = F.prepare(pd.concat([df, dup]), 6)
    assert dropped == [] and len(s.y) == 36 and np.all(np.isfinite(s.y))
    assert s.notes == [
        "1 duplicate period(s): the last row of each kept",
        "2 infinite value(s) treated as missing",
        "filled 2 missing period(s) by linear interpolation",
    ]
    y = df["y"].to_numpy()
    np.testing.assert_allclose(s.y[10:12], y[9] + (y[12] - y[9]) * np.array([1, 2]) / 3)
    assert s.y[20] == 500.0
    # a forecast of it is made (all its models failed on the infinite values before)
    fc = F.forecast(df, 3, models="theta", progress=False)
    assert len(fc) == 3 and np.all(np.isfinite(fc["theta"]))


def test_unknown_model_is_a_one_line_error() -> None:
    with pytest.raises(ValueError, match="unknown model 'etz'"):
        make("etz")
    with pytest.raises(ValueError, match="unknown model"):
        F.forecast(_monthly(), 3, models=["etz"], n_jobs=1, progress=False)


# -- frames ------------------------------------------------------------------------------------------
def _store_frame() -> pd.DataFrame:
    periods = pd.date_range("2023-01-01", periods=24, freq="MS").date
    rows = []
    for area in ("VN", "01"):
        for i, p in enumerate(periods):
            rows.append(
                {
                    "indicator": "IIP",
                    "area": area,
                    "period": p,
                    "freq": "M",
                    "value": 100.0 + i,
                    "unit": "%",
                    "status": "official",
                    "vintage": pd.Timestamp("2025-01-01"),
                }
            )
    # an earlier vintage of one value must lose to the later one
    rows.append({**rows[0], "value": -1.0, "vintage": pd.Timestamp("2024-01-01")})
    return pd.DataFrame(rows)


def test_to_nixtla_and_back_pandas_and_polars() -> None:
    import polars as pl

    raw = _store_frame()
    for frame in (raw, pl.from_pandas(raw)):
        nx = F.to_nixtla(frame)
        assert list(nx.columns) == ["unique_id", "ds", "y", "tet"]
        assert set(nx["unique_id"]) == {"IIP|VN", "IIP|01"}
        assert len(nx) == 48 and (nx["y"] > 0).all()
        jan, feb = nx[nx["ds"] == "2024-01-01"]["tet"].iloc[0], nx[nx["ds"] == "2024-02-01"]["tet"]
        assert feb.iloc[0] > 0.9 and jan < 0.1  # Tết 2024 fell on 10 February
        assert nx[nx["ds"].dt.month > 3]["tet"].eq(0).all()
    back = F.from_nixtla(nx.rename(columns={"y": "auto"}))
    assert list(back.columns[:3]) == ["indicator", "area", "period"]
    assert set(back["area"]) == {"VN", "01"}


# -- forecast / backtest / evaluate / select ---------------------------------------------------------
def test_forecast_frame_shape_and_intervals() -> None:
    df = F.add_tet(pd.concat([_monthly("a"), _monthly("b", seed=1, level=300)]))
    fc = F.forecast(df, 12, models=["auto", "theta"], n_jobs=1, progress=False)
    assert len(fc) == 24 and set(fc["unique_id"]) == {"a", "b"}
    for m in ("auto", "theta"):
        for lv in (80, 95):
            assert (fc[f"{m}-lo-{lv}"] <= fc[m]).all() and (fc[m] <= fc[f"{m}-hi-{lv}"]).all()
    assert fc["ds"].min() == pd.Timestamp("2022-01-01")
    assert {w["unique_id"] for w in fc.attrs["weights"]} == {"a", "b"}


def test_horizon_zero_and_bad_level_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="horizon h must be a positive"):
        F.forecast(_monthly(), 0, n_jobs=1, progress=False)
    with pytest.raises(ValueError, match="at most 1200 periods, got 1201"):
        F.backtest(_monthly(), 1201, n_windows=1, progress=False)
    with pytest.raises(ValueError, match="at most 1200 periods, got 100000"):
        F.forecast(_monthly(), 100_000, n_jobs=1, progress=False)  # past pandas' last date
    with pytest.raises(ValueError, match="between 0 and 100"):
        F.forecast(_monthly(), 3, level=(80, 100), n_jobs=1, progress=False)


def test_bad_series_fall_back_and_never_lose_the_others() -> None:
    good = _monthly("good")
    short = pd.DataFrame({"unique_id": "short", "ds": IDX[:2], "y": [5.0, 6.0]})
    const = pd.DataFrame({"unique_id": "const", "ds": IDX[:40], "y": 7.0})
    gaps = _monthly("gaps", seed=3).drop(index=[10, 11, 30])
    nans = _monthly("nans", seed=4)
    nans.loc[[0, 20, 21], "y"] = np.nan
    neg = _monthly("neg", seed=5, level=-50)
    empty = pd.DataFrame({"unique_id": "empty", "ds": IDX[:5], "y": np.nan})
    df = pd.concat([good, short, const, gaps, nans, neg, empty])
    # the notes are summed up in one warning, so a run of fallbacks cannot pass unseen
    with pytest.warns(F.ForecastNotesWarning, match="notes on 4 of 7 series"):
        fc = F.forecast(df, 6, models=["auto", "ets", "ridge"], n_jobs=1, progress=False)
    assert set(fc["unique_id"]) == {"good", "short", "const", "gaps", "nans", "neg"}
    assert np.isfinite(fc.drop(columns=["unique_id", "ds"]).to_numpy(float)).all()
    notes = pd.DataFrame(fc.attrs["notes"])
    assert notes.query("unique_id == 'empty'")["note"].str.contains("no finite").any()
    assert notes.query("unique_id == 'gaps'")["note"].str.contains("3 missing").any()
    assert notes.query("unique_id == 'short'")["note"].str.contains("ridge.*used").any()
    np.testing.assert_allclose(fc.query("unique_id == 'const'")["ets"], 7.0, rtol=1e-6)


def test_tet_regressor_moves_the_forecast_with_the_holiday() -> None:
    from analytics.calendar import tet_share

    idx = pd.date_range("2012-01-01", periods=144, freq="MS")
    rng = np.random.default_rng(7)
    y = 100 + 0.3 * np.arange(144) - 30 * tet_share(idx) + rng.normal(0, 1, 144)
    df = F.add_tet(pd.DataFrame({"unique_id": "iip", "ds": idx, "y": y}))
    fc = F.forecast(df, 14, models=["ets", "ridge"], n_jobs=1, progress=False).set_index("ds")
    # Tết 2024 is on 10 Feb, Tết 2025 on 29 Jan: the dip follows the holiday, not the month
    for m in ("ets", "ridge"):
        assert fc.loc["2024-02-01", m] < fc.loc["2024-01-01", m] - 15
        assert fc.loc["2025-01-01", m] < fc.loc["2025-02-01", m] - 10


def test_backtest_evaluate_select_and_calibration() -> None:
    df = pd.concat([_monthly(f"s{i}", seed=i, level=100 + 20 * i) for i in range(8)])
    cv = F.backtest(df, 6, n_windows=3, models=["auto", "naive"], n_jobs=1, progress=False)
    assert len(cv) == 8 * 3 * 6 and cv["cutoff"].nunique() == 3
    assert (cv["ds"] > cv["cutoff"]).all()
    scores = F.evaluate(cv, df).set_index("metric")
    assert scores.loc["mase", "auto"] < scores.loc["mase", "naive"]
    assert 0.65 <= scores.loc["coverage_80", "auto"] <= 0.95
    assert scores.loc["coverage_95", "auto"] >= scores.loc["coverage_80", "auto"]
    best = F.select(cv, df)
    assert list(best.columns) == ["unique_id", "model", "mase"] and len(best) == 8
    assert (best["model"] == "auto").mean() > 0.5


def test_evaluate_matches_hand_computed_values() -> None:
    train = pd.DataFrame({"unique_id": "a", "ds": IDX[:4], "y": [1.0, 2.0, 4.0, 7.0]})
    fc = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": IDX[4:6],
            "y": [10.0, 12.0],
            "m": [9.0, 13.0],
            "m-lo-80": [8.0, 12.5],
            "m-hi-80": [11.0, 14.0],
        }
    )
    s = F.evaluate(fc, train, season=1).set_index("metric")["m"]
    scale = np.mean([1.0, 2.0, 3.0])
    assert s["smape"] == pytest.approx(100 * (1 / 19 + 1 / 25))
    assert s["mase"] == pytest.approx(1.0 / scale)
    assert s["coverage_80"] == pytest.approx(0.5)
    assert s["msis_80"] == pytest.approx(np.mean([3.0, 1.5 + 2 / 0.2 * 0.5]) / scale)


def test_local_processes_give_the_in_process_result() -> None:
    df = pd.concat([_monthly(f"s{i}", seed=i) for i in range(6)])
    one = F.forecast(df, 6, models=["auto", "snaive"], n_jobs=1, progress=False)
    two = F.forecast(df, 6, models=["auto", "snaive"], n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one, two)


# -- hierarchy ---------------------------------------------------------------------------------------
AREAS = pd.DataFrame(
    {
        "code": ["VN", "R1", "R2", "01", "02", "03", "04", "05"],
        "level": ["nation", "region", "region"] + ["province"] * 5,
        "parent": [None, "VN", "VN", "R1", "R1", "R2", "R2", "R2"],
    }
)


def _hierarchy_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    t = np.arange(60)
    prov = {
        c: 40 + 7 * i + 0.4 * t + 4 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)
        for i, c in enumerate(["01", "02", "03", "04", "05"])
    }
    vals = dict(prov)
    vals["R1"] = prov["01"] + prov["02"]
    vals["R2"] = prov["03"] + prov["04"] + prov["05"]
    vals["VN"] = vals["R1"] + vals["R2"]
    return pd.concat(
        [pd.DataFrame({"unique_id": f"GRDP|{k}", "ds": IDX[:60], "y": v}) for k, v in vals.items()]
    )


@pytest.mark.parametrize("with_fitted", [True, False])
def test_reconciled_provinces_sum_to_regions_and_nation(with_fitted: bool) -> None:
    df = _hierarchy_frame()
    fc, fit = F.forecast(df, 6, models=["ets", "theta"], fitted=True, n_jobs=1, progress=False)
    rec = F.reconcile(fc, fit if with_fitted else None, AREAS)
    assert rec.attrs["methods"]["GRDP"] == ("mint_shrink" if with_fitted else "bottom_up")
    wide = rec.pivot(index="ds", columns="unique_id", values=["ets", "theta"])
    for m in ("ets", "theta"):
        w = wide[m]
        provinces = w[[f"GRDP|0{i}" for i in range(1, 6)]].sum(axis=1)
        np.testing.assert_allclose(provinces, w["GRDP|VN"], rtol=1e-6)
        np.testing.assert_allclose(w["GRDP|01"] + w["GRDP|02"], w["GRDP|R1"], rtol=1e-6)
    assert (rec["ets-lo-80"] <= rec["ets"]).all()


def test_hierarchy_rejects_unknown_areas() -> None:
    with pytest.raises(ValueError, match="unknown area"):
        F.hierarchy(["GRDP|VN", "GRDP|99"], AREAS)


# -- year-end projection and targets ------------------------------------------------------------------
def test_target_probability_matches_closed_form_random_walk() -> None:
    from scipy.stats import norm

    ytd = np.array([3.0, 3.2, 3.5, 3.1, 3.4, 3.6, 3.3, 3.5])  # 8 months of CPI YoY
    sigma, last = 0.2, 3.5
    sd = sigma * np.sqrt(np.arange(1, 5))  # random walk: sd grows with sqrt(h)
    paths = F.simulate_paths(np.full(4, last), sd, n_paths=200_000, seed=3)
    res = F.target_probability(
        ytd, paths, "mean", target=3.45, comparison="<=", periods_per_year=12
    )
    # mean of the year = (sum ytd + 4 last + sum_j (5-j) e_j) / 12, Var = sigma^2 (16+9+4+1) / 144
    mu, sd_year = (ytd.sum() + 4 * last) / 12, sigma * np.sqrt(30) / 12
    assert res["p_target"] == pytest.approx(norm.cdf((3.45 - mu) / sd_year), abs=0.005)
    assert res["projection"] == pytest.approx(mu, abs=0.002)
    assert res["hi-95"] - res["lo-95"] == pytest.approx(2 * 1.96 * sd_year, rel=0.02)


def test_growth_target_and_year_end_from_a_forecast_frame() -> None:
    hist = pd.DataFrame(
        {"ds": pd.date_range("2025-01-01", periods=3, freq="QS"), "y": [100.0, 110.0, 120.0]}
    )
    fc = pd.DataFrame(
        {
            "ds": [pd.Timestamp("2025-10-01")],
            "auto": [130.0],
            "auto-lo-95": [130.0 - 1.959964 * 5],
            "auto-hi-95": [130.0 + 1.959964 * 5],
        }
    )
    res = F.year_end(
        hist, fc, 2025, "sum", target=8.0, comparison=">=", base=425.0, n_paths=100_000
    )
    # growth = 100 (460 + 5 e) / 425 - 100 >= 8  <=>  e >= (459 - 460) / 5
    from scipy.stats import norm

    assert res["p_target"] == pytest.approx(1 - norm.cdf(-0.2), abs=0.005)
    assert res["n_actual"] == 3 and res["n_forecast"] == 1


def test_annual_follows_time_agg() -> None:
    df = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2024-01-01", periods=15, freq="MS"),
            "y": np.arange(1.0, 16.0),
        }
    )
    assert F.annual(df, "sum")["y"].tolist() == [78.0, 13 + 14 + 15]
    assert F.annual(df, "mean")["y"].tolist() == [6.5, 14.0]
    last = F.annual(df, "last")
    assert last["y"].tolist() == [12.0, 15.0] and last["n_periods"].tolist() == [12, 3]
    with pytest.raises(ValueError, match="time_agg"):
        F.annual(df, "median")


def test_to_nixtla_refuses_mixed_frequencies_unless_told() -> None:
    raw = _store_frame()
    q = raw.iloc[:4].assign(freq="Q", period=pd.date_range("2023-01-01", periods=4, freq="QS").date)
    both = pd.concat([raw, q])
    with pytest.raises(ValueError, match="several frequencies"):
        F.to_nixtla(both)
    assert len(F.to_nixtla(both, freq="Q")) == 4


def test_reconcile_refuses_ragged_ends_and_common_end_fixes_them() -> None:
    df = _hierarchy_frame()
    ragged = df[~((df["unique_id"] == "GRDP|03") & (df["ds"] == df["ds"].max()))]
    fc = F.forecast(ragged, 3, models=["snaive"], n_jobs=1, progress=False)
    with pytest.raises(ValueError, match="common_end"):
        F.reconcile(fc, None, AREAS)
    trimmed = F.common_end(ragged)
    assert trimmed.groupby("unique_id")["ds"].max().nunique() == 1
    fc = F.forecast(trimmed, 3, models=["snaive"], n_jobs=1, progress=False)
    assert len(F.reconcile(fc, None, AREAS)) == len(fc)


def test_positive_only_models_refuse_negatives_and_model_params_reach_the_model() -> None:
    from forecasts.stats import ETS

    class LogETS(ETS):
        name = "logets"
        positive_only = True

    y = _monthly(level=-80)["y"].to_numpy()
    with pytest.raises(ForecastInputError, match="strictly positive"):
        LogETS(season_length=12).fit(y)
    fc = F.forecast(
        _monthly(),
        3,
        models=["prophet"],
        level=(80,),
        n_jobs=1,
        progress=False,
        model_params={"prophet": {"uncertainty_samples": 50}},
    )
    assert (fc["prophet-lo-80"] < fc["prophet-hi-80"]).all()


# -- cross-learning and the "auto" combination -----------------------------------------------------
def test_a_shared_fit_serves_only_windows_it_has_not_seen() -> None:
    from forecasts import engine

    engine._LEARNERS.clear()
    engine._LEARNERS.update({("global", 12, 0): "final", ("global", 12, 18): "cut 18"})
    try:
        assert engine.shared_learner("global", 12, 0) == "final"
        assert engine.shared_learner("global", 12, 6) == "cut 18"  # cut 0 has seen that window
        assert engine.shared_learner("global", 12, 18) == "cut 18"
        assert engine.shared_learner("global", 12, 19) is None  # learns from the series alone
        assert engine.shared_learner("global", 4, 0) is None
    finally:
        engine._LEARNERS.clear()


def test_shared_fits_are_cut_short_for_the_backtests() -> None:
    from forecasts import api, cross

    df = pd.concat([_monthly(f"s{i}", seed=i, level=100 + 10 * i) for i in range(5)])
    series, _ = api.prepare(df, 6)
    job = api._job(["auto"], 6, (80,), 2, None, (), "median", "forecast", False, None)
    fits = dict(api.shared_fits(series, job).learners)
    assert set(fits) == {("global", 12, 0), ("global", 12, 12)}  # final, and 2 windows of 6
    cut = fits[("global", 12, 12)]
    assert isinstance(cut, cross.Learner) and cut.h == 6
    job = api._job(["auto"], 6, (80,), 2, None, (), "median", "backtest", False, None)
    assert {k[2] for k in dict(api.shared_fits(series, job).learners)} == {12, 24}


def test_global_model_learns_a_pattern_shared_by_many_short_series() -> None:
    from forecasts import cross

    rng = np.random.default_rng(3)
    shape = 1 + 0.3 * np.sin(2 * np.pi * np.arange(48) / 12)
    ys = [rng.uniform(50, 500) * shape * rng.lognormal(0, 0.01, 48) for _ in range(60)]
    learner = cross.learn([y[:36] for y in ys], 12, 12)
    y = 80 * shape[:36]  # a new series, too short to learn a season from alone
    fc = cross.Global(season_length=12, learner=learner).fit(y).predict(12, level=(80,))
    np.testing.assert_allclose(fc["mean"], 80 * shape[36:], rtol=0.05)
    assert np.all(fc["lo-80"] < fc["mean"]) and np.all(fc["mean"] < fc["hi-80"])
    with pytest.raises(ForecastInputError, match="strictly positive"):
        cross.Global(season_length=12).fit(y - 100)


def test_global_mlp_learns_a_shared_pattern_on_series_of_any_sign() -> None:
    from forecasts import cross

    rng = np.random.default_rng(3)
    wave = np.sin(2 * np.pi * np.arange(48) / 12)
    ys = [rng.uniform(-200, 200) + rng.uniform(10, 100) * wave + rng.normal(0, 1, 48)
          for _ in range(60)]  # fmt: skip
    learner = cross.learn_scaled([y[:36] for y in ys], 12, 12, seeds=1)
    y = -50 + 30 * wave[:36] + rng.normal(0, 1, 36)  # a new series, below zero
    fc = cross.GlobalMLP(season_length=12, learner=learner).fit(y).predict(12, level=(80,))
    assert np.abs(fc["mean"] - (-50 + 30 * wave[36:])).mean() < 0.15 * 30  # naive: ~0.6 * 30
    assert np.all(fc["lo-80"] < fc["mean"]) and np.all(fc["mean"] < fc["hi-80"])
    with pytest.raises(ForecastInputError, match="at least 36 values"):
        cross.learn_scaled([y[:30]], 12, 12)


def test_auto_combines_the_pool_by_median_and_reports_its_weights() -> None:
    from forecasts.engine import _combine

    parts = [np.array([1.0, 10.0]), np.array([2.0, 20.0]), np.array([9.0, 90.0])]
    np.testing.assert_allclose(_combine(parts, [1, 1, 1], "median"), [2.0, 20.0])
    np.testing.assert_allclose(_combine(parts, [1, 1, 2], "mean"), [5.25, 52.5])
    df = pd.concat([_monthly(f"s{i}", seed=i) for i in range(3)])
    fc = F.forecast(df, 6, pool=("ets", "snaive", "naive"), n_jobs=1, progress=False)
    weights = pd.DataFrame(fc.attrs["weights"]).set_index("unique_id")
    assert set(weights.columns) == {"ets", "snaive", "naive"}
    one = fc.query("unique_id == 's0'")["auto"].to_numpy()
    singles = F.forecast(df.query("unique_id == 's0'"), 6, models=["ets", "snaive", "naive"],
                         n_jobs=1, progress=False)  # fmt: skip
    np.testing.assert_allclose(one, singles[["ets", "snaive", "naive"]].median(axis=1), rtol=1e-9)
