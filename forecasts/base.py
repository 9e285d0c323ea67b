"""The model contract: every forecaster sees one series as arrays, sklearn style.

Public ``fit``/``predict`` validate their input and then call the private ``_fit``/``_predict`` of
the model family, so each family only writes the modelling and all of them fail the same way.
The front functions in :mod:`forecasts.api` own the tidy frames, grouping and parallelism.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd


class ForecastInputError(ValueError):
    """A series or parameter a model cannot work with (too short, NaN, negative for a log model)."""


class Forecaster:
    """Base class: ``__init__`` stores parameters, learned state ends in ``_``, ``fit`` returns self.

    ``fit(y, X=None, index=None)``: ``y`` a 1-d float array without NaN, ``X`` optional exogenous
    columns aligned with ``y`` (e.g. the Tết share), ``index`` the period starts (only models that
    need dates, such as Prophet, require it). ``predict(h, X=None, level=())`` returns a dict with
    ``mean`` and ``lo-<level>``/``hi-<level>`` arrays of length ``h``. After ``fit``, ``fitted_``
    holds in-sample one-step predictions (NaN where the model has none), used by MinT reconciliation.
    """

    name: ClassVar[str] = "base"
    min_length: ClassVar[int] = 1
    positive_only: ClassVar[bool] = False
    uses_exog: ClassVar[bool] = False
    # False when intervals cost far more than the point forecast (simulated paths): "auto" then
    # takes its interval width from the pool's other models
    cheap_intervals: ClassVar[bool] = True

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    # -- sklearn-style parameter access -------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``get_params`` (no nesting)."""
        sig = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in sig.parameters if p != "self"}

    def set_params(self, **params: Any) -> Forecaster:
        """Set constructor parameters; returns self."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def clone(self) -> Forecaster:
        """A new unfitted model with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- public, validating layer -------------------------------------------------------------
    def fit(
        self, y: np.ndarray, X: np.ndarray | None = None, index: pd.DatetimeIndex | None = None
    ) -> Forecaster:
        """Validate the series and fit; a second call starts over."""
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)
        y = np.asarray(y, dtype=float)
        if y.ndim != 1:
            raise ForecastInputError(f"{self.name}: y must be one-dimensional, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ForecastInputError(f"{self.name}: y has NaN or infinite values")
        if len(y) < self.min_length:
            raise ForecastInputError(
                f"{self.name}: series too short ({len(y)} points, needs {self.min_length})"
            )
        if self.positive_only and np.any(y <= 0):
            raise ForecastInputError(f"{self.name}: needs strictly positive values")
        if X is not None:
            X = np.asarray(X, dtype=float).reshape(len(y), -1)
            if not np.all(np.isfinite(X)):
                raise ForecastInputError(f"{self.name}: X has NaN or infinite values")
        if index is not None and len(index) != len(y):
            raise ForecastInputError(f"{self.name}: index and y lengths differ")
        self.n_obs_ = len(y)
        self.n_exog_ = 0 if X is None else X.shape[1]
        self._fit(y, X, index)
        return self

    def predict(
        self, h: int, X: np.ndarray | None = None, level: tuple[int, ...] | list[int] = ()
    ) -> dict[str, np.ndarray]:
        """Validate ``h``/``X``/``level`` and forecast ``h`` steps ahead."""
        if not hasattr(self, "n_obs_"):
            raise RuntimeError(f"{self.name}: call fit before predict")
        if not isinstance(h, int | np.integer) or h < 1:
            raise ForecastInputError(
                f"{self.name}: horizon h must be a positive integer, got {h!r}"
            )
        level = sorted(int(lv) for lv in level)
        if any(not 0 < lv < 100 for lv in level):
            raise ForecastInputError(f"{self.name}: levels must lie in (0, 100), got {level}")
        if self.n_exog_:
            if X is None:
                raise ForecastInputError(f"{self.name}: fitted with X, so predict needs future X")
            X = np.asarray(X, dtype=float).reshape(h, -1)
            if X.shape[1] != self.n_exog_:
                raise ForecastInputError(f"{self.name}: future X has {X.shape[1]} columns")
        else:
            X = None
        out = self._predict(int(h), X, level)
        out["mean"] = np.asarray(out["mean"], dtype=float)
        for lv in level:
            lo, hi = out[f"lo-{lv}"], out[f"hi-{lv}"]
            out[f"lo-{lv}"], out[f"hi-{lv}"] = np.minimum(lo, hi), np.maximum(lo, hi)
        return out

    def chosen_form(self) -> dict[str, Any]:
        """Constructor parameters that fix the form the last ``fit`` chose by search (e.g. the
        ETS type), so a refit on another stretch of the series can skip the search; {} if none."""
        return {}

    # -- to implement -------------------------------------------------------------------------
    def _fit(self, y: np.ndarray, X: np.ndarray | None, index: pd.DatetimeIndex | None) -> None:
        raise NotImplementedError

    def _predict(self, h: int, X: np.ndarray | None, level: list[int]) -> dict[str, np.ndarray]:
        raise NotImplementedError


def one_thread() -> Any:
    """One BLAS/OpenMP thread: per-series models are tiny, and threads only fight each other
    (and the worker processes) for the cores. Costs ~10 ms: use around batches, not single fits."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def exog_effect(y: np.ndarray, X: np.ndarray | None, season_length: int) -> np.ndarray | None:
    """Coefficients of ``X`` on ``y`` estimated on seasonal differences (robust to trend/season).

    Lets models without native regressors (ETS, Theta, baselines) respect Tết: they model
    ``y - X @ beta`` and add ``X_future @ beta`` back (given ``log(y)``, a proportional effect:
    ``y * exp(-X @ beta)``, see :class:`forecasts._sf.StatsForecastWrapper`). Returns None when
    ``X`` carries no signal.
    """
    if X is None or X.shape[1] == 0:
        return None
    m = season_length if season_length > 1 and len(y) > 2 * season_length else 1
    dy = y[m:] - y[:-m]
    dX = X[m:] - X[:-m]
    keep = np.abs(dX).sum(axis=1) > 0
    if keep.sum() < 2 * X.shape[1] + 1:
        return None
    design = np.column_stack([np.ones(keep.sum()), dX[keep]])  # intercept absorbs yearly growth
    coef, *_ = np.linalg.lstsq(design, dy[keep], rcond=None)
    beta = coef[1:]
    return beta if np.all(np.isfinite(beta)) else None
