"""Machine-learning forecasters: scikit-learn regressors on lags, rolling means, calendar and Tết.

The regressor learns the next scaled first difference from the recent ones (so trends extrapolate,
which trees cannot do on levels), is applied recursively for multi-step forecasts, and gets
split-conformal intervals: a copy fitted without the last stretch of history forecasts it from
several origins, and the quantiles of those absolute h-step errors give the interval widths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecasts.base import Forecaster, ForecastInputError


class LagRegression(Forecaster):
    """Recursive lag-feature regression with conformal intervals; ``estimator`` is "ridge" or "hgb"."""

    name = "ridge"
    min_length = 8

    def __init__(
        self, season_length: int = 1, estimator: str = "ridge", n_calib: int | None = None
    ) -> None:
        self.season_length = season_length
        self.estimator = estimator
        self.n_calib = n_calib

    # -- feature construction, vectorised over several forecast origins -----------------------
    def _n_lags(self) -> int:
        return self.season_length + 1 if self.season_length > 1 else 3

    def _rows(
        self, lags: np.ndarray, t: np.ndarray, X: np.ndarray | None, Xprev: np.ndarray | None
    ) -> np.ndarray:
        """Feature rows: lags (most recent first), rolling mean, season one-hot, Tết level/change."""
        m = max(self.season_length, 1)
        parts = [lags, lags[:, :m].mean(axis=1, keepdims=True)]
        if self.season_length > 1:
            parts.append(np.eye(m)[t % m])
        if X is not None:
            parts += [X, X - Xprev]
        return np.hstack(parts)

    def _train_matrix(self, dz: np.ndarray, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        L = self._n_lags()
        ts = np.arange(L, len(dz))
        lags = np.stack([dz[t - L : t][::-1] for t in ts])
        Xt = None if X is None else X[ts + 1]
        Xp = None if X is None else X[ts]
        return self._rows(lags, ts + 1, Xt, Xp), dz[ts]

    def _regressor(self) -> Any:
        if self.estimator == "hgb":
            from sklearn.ensemble import HistGradientBoostingRegressor

            return HistGradientBoostingRegressor(
                max_iter=100, learning_rate=0.1, min_samples_leaf=5, random_state=0
            )
        if self.estimator == "ridge":
            from sklearn.linear_model import Ridge

            return Ridge(alpha=1.0)
        raise ValueError(f"unknown estimator {self.estimator!r} (use 'ridge' or 'hgb')")

    def _learn(self, z: np.ndarray, X: np.ndarray | None) -> Any:
        dz = np.diff(z)
        A, b = self._train_matrix(dz, X)
        if len(b) < 5:
            raise ForecastInputError(f"{self.name}: series too short for {self._n_lags()} lags")
        return self._regressor().fit(A, b)

    def _recurse(
        self,
        reg: Any,
        z: np.ndarray,
        X: np.ndarray | None,
        origins: np.ndarray,
        h: int,
        Xf: np.ndarray | None,
    ) -> np.ndarray:
        """Forecast ``h`` levels of ``z`` from each origin (index of the last known point)."""
        L = self._n_lags()
        dz = np.diff(z)
        lags = np.stack([dz[o - L : o][::-1] for o in origins])  # dz[o-1] is z[o]-z[o-1]
        level = z[origins].copy()
        Xall = X if Xf is None else (Xf if X is None else np.vstack([X, Xf]))
        out = np.empty((len(origins), h))
        for k in range(1, h + 1):
            t = origins + k
            Xt = None if Xall is None else Xall[t]
            Xp = None if Xall is None else Xall[t - 1]
            step = reg.predict(self._rows(lags, t, Xt, Xp))
            level = level + step
            out[:, k - 1] = level
            lags = np.hstack([step[:, None], lags[:, :-1]])
        return out

    # -- the contract -------------------------------------------------------------------------
    def _fit(self, y: np.ndarray, X: np.ndarray | None, index: pd.DatetimeIndex | None) -> None:
        if self.estimator == "hgb":  # OpenMP threads on ~100 rows only fight for the cores
            from forecasts.base import one_thread

            with one_thread():
                return self._fit_impl(y, X)
        return self._fit_impl(y, X)

    def _predict(self, h: int, X: np.ndarray | None, level: list[int]) -> dict[str, np.ndarray]:
        if self.estimator == "hgb":
            from forecasts.base import one_thread

            with one_thread():
                return self._predict_impl(h, X, level)
        return self._predict_impl(h, X, level)

    def _fit_impl(self, y: np.ndarray, X: np.ndarray | None) -> None:
        L = self._n_lags()
        if len(y) < L + 8:
            raise ForecastInputError(
                f"{self.name}: series too short ({len(y)} points, needs {L + 8})"
            )
        self.scale_ = float(np.mean(np.abs(y[-max(self.season_length, 4) :]))) or 1.0
        z = y / self.scale_
        self.z_, self.X_ = z, X
        self.reg_ = self._learn(z, X)
        # in-sample one-step predictions
        fitted = np.full(len(y), np.nan)
        origins = np.arange(L, len(y) - 1)
        fitted[origins + 1] = self._recurse(self.reg_, z, X, origins, 1, None)[:, 0] * self.scale_
        self.fitted_ = fitted
        # split-conformal calibration on the last stretch of history
        n_calib = self.n_calib or min(max(2 * self.season_length, 8), len(y) // 3)
        self.calib_ = None
        cut = len(y) - n_calib
        if cut >= L + 8:
            try:
                reg = self._learn(z[:cut], None if X is None else X[:cut])
                self.calib_ = (reg, cut)
            except ForecastInputError:
                pass

    def _predict_impl(
        self, h: int, X: np.ndarray | None, level: list[int]
    ) -> dict[str, np.ndarray]:
        z, n = self.z_, len(self.z_)
        mean = self._recurse(self.reg_, z, self.X_, np.array([n - 1]), h, X)[0] * self.scale_
        out = {"mean": mean}
        if not level:
            return out
        if self.calib_ is not None:
            reg, cut = self.calib_
            origins = np.arange(cut - 1, n - 1)
            Xall = self.X_ if X is None or self.X_ is None else np.vstack([self.X_, X])
            paths = self._recurse(reg, z, Xall, origins, h, None)
            errors = np.full((len(origins), h), np.nan)
            for i, o in enumerate(origins.tolist()):
                k = min(h, n - 1 - int(o))
                errors[i, :k] = np.abs(z[o + 1 : o + 1 + k] - paths[i, :k])
        else:  # too short to hold out: in-sample one-step errors, widened like a random walk
            resid = np.abs(np.diff(z))
            errors = resid[:, None] * np.sqrt(np.arange(1, h + 1))[None, :]
        for lv in level:
            q = _conformal_quantiles(errors, lv) * self.scale_
            out[f"lo-{lv}"], out[f"hi-{lv}"] = mean - q, mean + q
        return out


def _conformal_quantiles(errors: np.ndarray, level: int) -> np.ndarray:
    """Per-horizon conformal quantile of absolute errors; missing horizons grow like sqrt(h)."""
    h = errors.shape[1]
    q = np.full(h, np.nan)
    for k in range(h):
        e = errors[:, k][np.isfinite(errors[:, k])]
        if len(e):
            rank = min(1.0, np.ceil((len(e) + 1) * level / 100) / len(e))
            q[k] = np.quantile(e, rank)
    known = np.where(np.isfinite(q))[0]
    last = known[-1]
    for k in range(last + 1, h):
        q[k] = q[last] * np.sqrt((k + 1) / (last + 1))
    return np.maximum.accumulate(q)


class HGB(LagRegression):
    """HistGradientBoosting on the same lag features."""

    name = "hgb"

    def __init__(
        self, season_length: int = 1, estimator: str = "hgb", n_calib: int | None = None
    ) -> None:
        super().__init__(season_length, estimator, n_calib)
