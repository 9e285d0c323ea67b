"""Tết in the cross-learning model: the moving holiday as a feature of each target month."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts import api, cross
from forecasts.frames import add_tet

DS = pd.date_range("2010-01-01", "2023-12-01", freq="MS")


def _tet_series(n: int = 40, effect: float = -0.4, seed: int = 0) -> tuple[list, list]:
    """Monthly series whose Tết months lose ``effect`` of their activity (a season and noise)."""
    rng = np.random.default_rng(seed)
    tet = add_tet(pd.DataFrame({"unique_id": "x", "ds": DS, "y": 1.0}))["tet"].to_numpy()
    shape = 1 + 0.2 * np.sin(2 * np.pi * np.arange(len(DS)) / 12)
    ys = [
        rng.uniform(50, 500) * shape * (1 + effect * tet) * rng.lognormal(0, 0.01, len(DS))
        for _ in range(n)
    ]
    return ys, [tet[:, None]] * n


def test_the_tet_share_is_in_the_global_models_design_matrix() -> None:
    ys, Xs = _tet_series(n=10)
    with_tet = cross.learn([y[:-24] for y in ys], 12, 12, Xs=[x[:-24] for x in Xs])
    without = cross.learn([y[:-24] for y in ys], 12, 12)
    assert with_tet.n_exog == 1 and without.n_exog == 0
    for (n_lags, a), (_, b) in zip(with_tet.members, without.members, strict=True):
        # lags, step, phase, then the target month's Tết share and last year's same month's
        assert b.n_features_in_ == n_lags + 2
        assert a.n_features_in_ == n_lags + 4
    # a constant column (a quarterly series' Tết share, 0) is no feature
    flat = cross.learn([y[:-24] for y in ys], 12, 12, Xs=[0 * x[:-24] for x in Xs])
    assert flat.n_exog == 0


def test_the_global_model_moves_activity_with_tet() -> None:
    ys, Xs = _tet_series(n=12)
    h, cut = 12, len(DS) - 12  # forecast 2023: Tết on 22 January, after 1 February in 2022
    learner = cross.learn([y[:cut] for y in ys], 12, h, Xs=[x[:cut] for x in Xs])
    plain = cross.learn([y[:cut] for y in ys], 12, h)
    y, x = ys[0], Xs[0]
    with_tet = cross.Global(12, learner=learner).fit(y[:cut], x[:cut]).predict(h, x[cut:])
    without = cross.Global(12, learner=plain).fit(y[:cut]).predict(h)
    err_tet = np.abs(np.log(with_tet["mean"] / y[cut:]))
    err_plain = np.abs(np.log(without["mean"] / y[cut:]))
    jan_feb = np.isin(DS[cut:].month, (1, 2))
    assert err_tet[jan_feb].mean() < 0.5 * err_plain[jan_feb].mean()
    assert err_tet[jan_feb].mean() < 0.06


def test_forecast_gives_the_shared_fit_the_tet_column() -> None:
    ys, _ = _tet_series(n=6)
    df = pd.concat(
        [pd.DataFrame({"unique_id": f"s{i}", "ds": DS, "y": y}) for i, y in enumerate(ys)]
    )
    series, _ = api.prepare(add_tet(df), 12)
    job = api._job(["global"], 12, (80,), 1, None, (), "median", "forecast", False, None)
    fits = dict(api.shared_fits(series, job).learners)
    assert fits[("global", 12, 0)].n_exog == 1
    job = api._job(["global"], 12, (80,), 1, None, (), "median", "forecast", False,
                   {"global": {"exog": False}})  # fmt: skip
    assert dict(api.shared_fits(series, job).learners)[("global", 12, 0)].n_exog == 0
    plain, _ = api.prepare(df, 12)  # no tet column: nothing to read
    job = api._job(["global"], 12, (80,), 1, None, (), "median", "forecast", False, None)
    assert dict(api.shared_fits(plain, job).learners)[("global", 12, 0)].n_exog == 0


def test_ets_takes_a_proportional_tet_effect_out_and_puts_it_back() -> None:
    """A growing series whose Tết month loses 30% of its activity: the effect is estimated on
    logs (the same share at any level), the model sees the series without it, and the forecast
    gets it back in the month Tết falls in."""
    from forecasts.stats import ETS

    tet = add_tet(pd.DataFrame({"unique_id": "x", "ds": DS, "y": 1.0}))["tet"].to_numpy()
    t = np.arange(len(DS))
    y = 100 * 1.01**t * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) * np.exp(np.log(0.7) * tet)
    cut = len(DS) - 12
    model = ETS(12).fit(y[:cut], tet[:cut, None])
    assert model.log_exog_
    np.testing.assert_allclose(model.beta_, [np.log(0.7)], atol=1e-3)
    # the series the model saw carries no Tết: taking the effect out and back in is the identity
    adjusted = model._adjust(y[:cut], tet[:cut, None], -1.0)
    np.testing.assert_allclose(model._adjust(adjusted, tet[:cut, None], 1.0), y[:cut])
    clean = 100 * 1.01 ** t[:cut] * (1 + 0.1 * np.sin(2 * np.pi * t[:cut] / 12))
    np.testing.assert_allclose(adjusted, clean, rtol=2e-3)
    fc = model.predict(12, tet[cut:, None], level=[80])
    # 2023: Tết on 22 January (1 February in 2022): January loses its 30% against February,
    # which an additive effect estimated over a series that grew 5-fold would misjudge
    np.testing.assert_allclose(fc["mean"], y[cut:], rtol=0.03)
    assert fc["mean"][0] / fc["mean"][1] == pytest.approx(y[cut] / y[cut + 1], rel=0.01)
    assert np.all(fc["lo-80"] < fc["mean"]) and np.all(fc["mean"] < fc["hi-80"])
