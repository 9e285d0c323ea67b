"""Prophet with the Vietnamese holiday calendar, Tết as a moving multi-day holiday.

cmdstanpy's INFO chatter is silenced; ``uncertainty_samples`` trades interval quality for speed.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from forecasts.base import Forecaster, ForecastInputError

_FREQ = {12: "MS", 4: "QS", 1: "YS", 7: "D", 365: "D"}


def _quiet() -> None:
    """Silence cmdstanpy and prophet logging (they log every fit at INFO)."""
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        for handler in logger.handlers:
            handler.setLevel(logging.CRITICAL)
        if not logger.handlers:  # cmdstanpy adds its own INFO handler when it finds none
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


@lru_cache(maxsize=8)
def vn_holidays(first_year: int, last_year: int) -> pd.DataFrame:
    """Prophet holiday frame for Vietnam: Tết (with a week before and after) and the fixed days."""
    import holidays

    rows = []
    for day, name in sorted(
        holidays.VN(years=range(first_year, last_year + 1), language="en_US").items()
    ):
        if "Lunar New Year" in name:
            if name == "Lunar New Year":
                rows.append(("tet", day, -7, 7))
            continue
        rows.append((name, day, 0, 0))
    return pd.DataFrame(
        [
            {"holiday": n, "ds": pd.Timestamp(d), "lower_window": lo, "upper_window": up}
            for n, d, lo, up in rows
        ]
    )


class Prophet(Forecaster):
    """Prophet with yearly seasonality, Vietnamese holidays and the Tết share as a regressor.

    For monthly data the Tết effect comes through the ``X`` columns (the share of Tết in each
    month) added as extra regressors: Prophet's day-level holidays only touch the first day of
    each month there. Daily data gets the ``holidays.VN`` calendar, Tết as a two-week window.
    """

    name = "prophet"
    min_length = 3
    uses_exog = True

    def __init__(
        self,
        season_length: int = 12,
        uncertainty_samples: int = 200,
        seasonality_mode: str = "multiplicative",
        changepoint_prior_scale: float = 0.05,
        seed: int = 0,
    ) -> None:
        self.season_length = season_length
        self.uncertainty_samples = uncertainty_samples
        self.seasonality_mode = seasonality_mode
        self.changepoint_prior_scale = changepoint_prior_scale
        self.seed = seed

    def _fit(self, y: np.ndarray, X: np.ndarray | None, index: pd.DatetimeIndex | None) -> None:
        _quiet()
        from prophet import Prophet as _Prophet

        _quiet()  # cmdstanpy installs its INFO handler on import

        if index is None:
            raise ForecastInputError("prophet: needs the period dates (index)")
        self.freq_ = _FREQ.get(self.season_length, "MS")
        mode: Any = self.seasonality_mode if np.all(y > 0) else "additive"
        model = _Prophet(
            yearly_seasonality=self.season_length > 1 and len(y) >= 2 * self.season_length,
            weekly_seasonality=False,
            daily_seasonality=False,
            seasonality_mode=mode,
            changepoint_prior_scale=self.changepoint_prior_scale,
            uncertainty_samples=self.uncertainty_samples,
            # day-level holidays only for daily data; monthly data gets Tết through the X share
            holidays=vn_holidays(index[0].year, index[-1].year + 3) if self.freq_ == "D" else None,
        )
        frame = pd.DataFrame({"ds": pd.DatetimeIndex(index), "y": y})
        self.regressors_ = []
        if X is not None:
            for j in range(X.shape[1]):
                if np.ptp(X[:, j]) > 0:
                    col = f"x{j}"
                    model.add_regressor(col, mode=mode)
                    frame[col] = X[:, j]
                    self.regressors_.append((j, col))
        np.random.seed(self.seed)
        model.fit(frame, algorithm="LBFGS")
        self.model_ = model
        self.last_ = frame["ds"].iloc[-1]
        self.fitted_ = model.predict(frame.drop(columns="y"))["yhat"].to_numpy() if len(y) else None

    def _predict(self, h: int, X: np.ndarray | None, level: list[int]) -> dict[str, np.ndarray]:
        future = pd.DataFrame({"ds": pd.date_range(self.last_, periods=h + 1, freq=self.freq_)[1:]})
        for j, col in self.regressors_:
            future[col] = X[:, j] if X is not None else 0.0
        np.random.seed(self.seed)
        mean = self.model_.predict(future)["yhat"].to_numpy()
        out = {"mean": mean}
        if level:
            # one simulation gives every level: quantiles of the predictive samples
            samples = self.model_.predictive_samples(future)["yhat"]
            for lv in level:
                a = (100 - lv) / 200
                out[f"lo-{lv}"] = np.quantile(samples, a, axis=1)
                out[f"hi-{lv}"] = np.quantile(samples, 1 - a, axis=1)
        return out
