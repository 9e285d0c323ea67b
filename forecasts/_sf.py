"""Shared wrapper around statsforecast's array-level models (fit / predict / predict_in_sample)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecasts.base import Forecaster, exog_effect
from forecasts.nixtla import load_compat


class StatsForecastWrapper(Forecaster):
    """Adapts one statsforecast model to the :class:`Forecaster` contract.

    Models without native regressors get exogenous columns (Tết share) through a pre-adjustment
    estimated on seasonal differences, see :func:`forecasts.base.exog_effect`: proportional (on
    logs) for strictly positive series, where Tết moves a share of the month's activity whatever
    the series' level, additive otherwise.
    """

    native_exog: bool = False

    def _make(self) -> Any:
        raise NotImplementedError

    def _fit(self, y: np.ndarray, X: np.ndarray | None, index: pd.DatetimeIndex | None) -> None:
        self.log_exog_ = bool(np.all(y > 0))
        self.beta_ = (
            None
            if self.native_exog
            else exog_effect(np.log(y) if self.log_exog_ else y, X, self.season_length)
        )
        target = y if self.beta_ is None else self._adjust(y, X, -1.0)
        load_compat()  # before statsforecast: without dask.dataframe
        model = self._make()
        model.fit(y=target, X=X if self.native_exog else None)
        self.model_ = model
        try:
            fitted = np.asarray(model.predict_in_sample()["fitted"], dtype=float)
        except Exception:  # some models keep no in-sample fit; reconciliation then uses fallbacks
            fitted = np.full(len(y), np.nan)
        if self.beta_ is not None:
            fitted = self._adjust(fitted, X, 1.0)
        self.fitted_ = fitted

    def _adjust(self, v: np.ndarray, X: np.ndarray | None, sign: float) -> np.ndarray:
        """``v`` with the exogenous effect added (``sign`` 1) or taken out (-1)."""
        if X is None or self.beta_ is None:
            return v
        shift = sign * (X @ self.beta_)
        return v * np.exp(shift) if self.log_exog_ else v + shift

    def _predict(self, h: int, X: np.ndarray | None, level: list[int]) -> dict[str, np.ndarray]:
        kwargs: dict[str, Any] = {"h": h}
        if self.native_exog and X is not None:
            kwargs["X"] = X
        if level:
            kwargs["level"] = level
        raw = self.model_.predict(**kwargs)
        out = {k: np.asarray(v, dtype=float) for k, v in raw.items() if not k.startswith("fitted")}
        if self.beta_ is not None and X is not None:
            out = {k: self._adjust(v, X, 1.0) for k, v in out.items()}
        return out
