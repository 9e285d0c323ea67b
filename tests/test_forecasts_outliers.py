"""Shocks in the history (a lockdown month) are replaced before "auto" fits its pool."""

from __future__ import annotations

import numpy as np
import pandas as pd

import forecasts as F
from forecasts.outliers import clean

DS = pd.date_range("2014-01-01", periods=96, freq="MS")


def _series(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(len(DS))
    return 200 * 1.005**t * (1 + 0.15 * np.sin(2 * np.pi * t / 12)) * rng.lognormal(0, 0.01, len(t))


def test_clean_replaces_a_lockdown_month_and_nothing_else() -> None:
    y = _series()
    shocked = y.copy()
    shocked[75] *= 0.4  # a month at 40% of its level
    out, n = clean(shocked, 12)
    assert n == 1
    assert abs(out[75] / y[75] - 1) < 0.05  # back near where the month would have been
    np.testing.assert_array_equal(np.delete(out, 75), np.delete(shocked, 75))
    same, none = clean(y, 12)
    assert none == 0 and np.array_equal(same, y)
    annual, k = clean(shocked[:20], 1)  # nothing to decompose: as it is
    assert k == 0 and np.array_equal(annual, shocked[:20])


def test_auto_forecasts_past_a_shock_in_its_history() -> None:
    y = _series()
    y[-10] *= 0.4  # a lockdown ten months before the end: it must not drag the forecast
    df = pd.DataFrame({"unique_id": "s", "ds": DS, "y": y})
    kw = {"h": 12, "models": "auto", "level": (80,), "n_windows": 1, "n_jobs": 1,
          "progress": False, "pool": ("ets", "dotheta")}  # fmt: skip
    truth = _series()[-12:] * 1.005**12  # the same months a year on, as the series grows
    err = {
        c: np.abs(F.forecast(df, clean=c, **kw)["auto"] / truth - 1).mean() for c in (True, False)
    }
    assert err[True] < 0.03
    assert err[True] < err[False]
