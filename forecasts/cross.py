"""Cross-learning: one model learns from the recent windows of many series.

A single official or M3 series holds a few dozen points, too few for a learner of its own; pooled,
the normalised windows of all series of one frequency teach one scikit-learn
``HistGradientBoostingRegressor`` how such series move over the next ``h`` periods (direct
multi-step: the step is a feature, so nothing is fed back). Each window is divided by its recent
level and logged, so series of any size share the model; hence strictly positive series only.

:func:`learn` fits the shared :class:`Learner` once per frequency (``forecasts.api`` does this
before dispatch, on data cut ``holdout`` periods short for backtests so no window ever sees its own
future); :class:`Global` is the per-series :class:`~forecasts.base.Forecaster` that applies it, and
learns from its own windows alone when given no shared learner. :func:`learn_scaled` and
:class:`GlobalMLP` do the same with small neural networks on windows scaled as MASE scales errors:
a second, differently built cross-learner for "auto"'s quarterly and annual pools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasts.base import Forecaster, ForecastInputError


@dataclass
class Learner:
    """Fitted cross-series regressors, one per window length; their log forecasts are averaged."""

    season_length: int
    h: int
    members: list[tuple[int, Any]]  # (window length, fitted regressor)
    residuals: np.ndarray  # |log error| per step of the latest training origins, for intervals
    n_exog: int = 0  # exogenous columns (the Tết share) the regressors read

    def predict(
        self, y: np.ndarray, ends: np.ndarray, steps: np.ndarray, X: np.ndarray | None = None
    ) -> np.ndarray:
        """Forecasts for origins ``ends`` (exclusive end indices of ``y``) at ``steps`` ahead;
        ``X`` the exogenous columns over ``y`` and as far beyond as the targets reach."""
        m = self.season_length
        logs = []
        for n_lags, reg in self.members:
            F, level = _features(y, ends, n_lags, m)
            logs.append(reg.predict(_rows(F, ends, steps, m, _exog_rows(X, ends + steps - 1, m))))
        return level * np.exp(np.mean(logs, axis=0))

    def predict_last(
        self, ys: Sequence[np.ndarray], Xs: Sequence[np.ndarray | None]
    ) -> list[np.ndarray]:
        """Each series' forecast of its last ``h`` values from ``h`` before its end, in one
        regressor call per member for all series."""
        m, h = self.season_length, self.h
        steps = np.arange(1, h + 1)
        logs, levels = [], np.array([])
        for n_lags, reg in self.members:
            rows, lv = [], []
            for y, x in zip(ys, Xs, strict=True):
                ends = np.full(h, len(y) - h)
                F, level = _features(y, ends, n_lags, m)
                rows.append(_rows(F, ends, steps, m, _exog_rows(x, ends + steps - 1, m)))
                lv.append(level)
            logs.append(reg.predict(np.vstack(rows)))
            levels = np.concatenate(lv)
        out = levels * np.exp(np.mean(logs, axis=0))
        return list(out.reshape(len(ys), h))

    def bounds(
        self, y: np.ndarray, mean: np.ndarray, steps: np.ndarray, level: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Interval around ``mean``: the per-step quantile of the learner's |log errors|."""
        q = _quantiles(self.residuals, level)[steps - 1]
        return mean * np.exp(-q), mean * np.exp(q)


@dataclass
class ScaledLearner:
    """Fitted cross-series neural networks (:func:`learn_scaled`); their forecasts' median."""

    season_length: int
    h: int
    members: list[tuple[int, Any]]  # (window length, fitted MLPRegressor with h outputs)
    residuals: np.ndarray  # |error| / the series' scale per step, latest training origins

    def predict(self, y: np.ndarray, ends: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Forecasts for origins ``ends`` (exclusive end indices of ``y``) at ``steps`` ahead."""
        outs = []
        scale = _origin_scales(y, ends, self.season_length)
        for n_lags, net in self.members:
            F, level = _scaled_features(y, ends, n_lags, self.season_length, scale)
            out = net.predict(F).reshape(len(ends), -1)
            outs.append(level + scale * out[np.arange(len(ends)), np.asarray(steps, dtype=int) - 1])
        return np.median(outs, axis=0)

    def bounds(
        self, y: np.ndarray, mean: np.ndarray, steps: np.ndarray, level: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Interval around ``mean``: the per-step quantile of the scaled errors, times the scale."""
        q = _quantiles(self.residuals, level)[steps - 1] * _scale(y, self.season_length)
        return mean - q, mean + q


Shared = Learner | ScaledLearner  # a shared fit, as the per-series models hold it


def window_lengths(season_length: int, trees: bool = False) -> tuple[int, int]:
    """The history each member of a learner reads: two and three seasons (8 and 12 years for
    annual series); for the boosted trees on quarterly series, one and two years.

    The networks read a quarterly series' last two and three years; trees reading the last one
    and two err apart from them, and "auto"'s quarterly pool of both gains (M3 quarterly MASE
    1.053 -> 1.047; 1.050 -> 1.049 on the window before, held out of the training data). On M3
    monthly and annual series, shorter windows did worse.
    """
    m = max(season_length, 1)
    if trees and m == 4:
        return (4, 8)
    return (2 * m, 3 * m) if m > 1 else (8, 12)


def _features(
    y: np.ndarray, ends: np.ndarray, n_lags: int, season: int
) -> tuple[np.ndarray, np.ndarray]:
    """Log windows over their level, one row per origin (``ends`` are exclusive end indices)."""
    pad = np.concatenate([np.full(n_lags, y[0]), y])
    idx = ends[:, None] + np.arange(-n_lags, 0)[None, :] + n_lags
    w = pad[idx]
    level = w[:, -max(season, 3) :].mean(axis=1)
    return np.log(w / level[:, None]), level


def _rows(
    F: np.ndarray,
    ends: np.ndarray,
    steps: np.ndarray,
    season: int,
    exog: np.ndarray | None = None,
) -> np.ndarray:
    phase = (ends + steps - 1) % season if season > 1 else np.zeros(len(ends))
    parts = [F, steps, phase] + ([] if exog is None else [exog])
    return np.column_stack(parts)


def exog_features(X: np.ndarray | None) -> np.ndarray | None:
    """The exogenous columns worth reading: None without any, or when all are constant (the Tết
    share of a quarterly series is 0 throughout)."""
    if X is None or X.shape[1] == 0 or not np.ptp(X, axis=0).any():
        return None
    return np.asarray(X, dtype=float)


def _exog_rows(X: np.ndarray | None, targets: np.ndarray, season: int) -> np.ndarray | None:
    """The exogenous values of each target period and of the same period a season earlier (the
    window's own month, which the target is read against): e.g. Tết in this February and in the
    last one. None without exogenous columns."""
    if X is None or X.shape[1] == 0:
        return None
    targets = np.asarray(targets, dtype=int)
    back = targets - max(season, 1)
    before = np.where((back >= 0)[:, None], X[np.maximum(back, 0)], 0.0)
    return np.hstack([X[targets], before])


def learn(
    ys: Sequence[np.ndarray],
    season_length: int,
    h: int,
    max_origins: int = 48,
    max_iter: int = 300,
    learning_rate: float = 0.05,
    random_state: int = 0,
    max_rows: int = 600_000,
    Xs: Sequence[np.ndarray | None] | None = None,
) -> Learner:
    """Fit the regressors on the windows of every strictly positive series in ``ys``.

    ``Xs`` (one per series, aligned with it; all with the same columns) are exogenous columns
    known ahead, such as the Tết share: each target's value and the value a season before it
    are features, so the trees learn how a moving holiday shifts the month against last year's.

    Each series contributes its latest ``max_origins`` origins (fewer when that would pass about
    ``max_rows`` training rows) and counts the same whatever its length. The loss is absolute
    error (robust to the odd jump) up to 300,000 training rows; under 20,000 rows (a few series)
    with a third as many steps, three times as large. Above 300,000, where that costs too much
    time, it is squared error with fewer, larger steps. Each window is weighted by its level over
    the series' mean absolute seasonal difference (capped at the 99th percentile): the loss on log
    ratios is a relative error (what sMAPE counts), the weight makes it the scaled error MASE
    counts, so smooth series are not fitted as loosely as noisy ones (M3 quarterly: the global
    model's sMAPE 9.20 -> 9.14, MASE 1.173 -> 1.130; annual 15.85 -> 15.79, 2.755 -> 2.682).
    Under absolute error the rows are drawn in proportion to their weights, as many as there are
    (sklearn's weighted medians took 3-4 times as long; the draw costs "auto"'s quarterly pool
    about 0.001 of MASE). Under squared error, which leans on large errors already, the weight is
    its square root (M3 monthly: sMAPE 14.33 -> 14.12, MASE 0.956 -> 0.931).
    The regressors train side by side in threads of one OpenMP thread each (one after the other
    for a few series): OpenMP teams spinning in several processes at once (parallel report runs)
    slow each other down many times over.
    """
    from concurrent.futures import ThreadPoolExecutor

    m = max(int(season_length), 1)
    min_train = max(2 * m, 6)
    xs = list(Xs) if Xs is not None else [None] * len(ys)
    pairs = [
        (y, exog_features(None if x is None else np.asarray(x, dtype=float).reshape(len(y), -1)))
        for y, x in zip((np.asarray(v, dtype=float) for v in ys), xs, strict=True)
        if len(y) > min_train and np.all(np.isfinite(y)) and np.all(y > 0)
    ]
    if not pairs:
        raise ForecastInputError(f"global: no strictly positive series longer than {min_train}")
    kept = [y for y, _ in pairs]
    n_exog = {0 if x is None else x.shape[1] for _, x in pairs}
    exog: list[np.ndarray | None] = [x for _, x in pairs]
    if n_exog == {0} or len(n_exog) > 1:  # none, or not the same columns everywhere: ignored
        exog = [None] * len(kept)
    origins = min(max_origins, max(12, max_rows // (len(kept) * h)))

    def fit(n_lags: int) -> tuple[int, Any]:
        from forecasts.base import one_thread

        with one_thread():
            return n_lags, _fit_one(kept, m, h, n_lags, min_train, origins, max_iter,
                                    learning_rate, random_state, exog)  # fmt: skip

    lengths = window_lengths(m, trees=True)
    rows = h * sum(min(origins, len(y) - min_train) for y in kept)
    if rows < 20_000:  # a few series: threads would cost more (the GIL) than they save
        members = [fit(n) for n in lengths]
    else:
        with ThreadPoolExecutor(max_workers=len(lengths)) as threads:
            members = list(threads.map(fit, lengths))
    k = 0 if exog[0] is None else exog[0].shape[1]
    learner = Learner(m, h, members, np.full((1, h), np.nan), n_exog=k)
    # |log error| of each series' latest origin whose whole horizon is known, for intervals:
    # one regressor call for all series (a call per series cost more than the fit itself)
    last = [(y, x) for y, x in zip(kept, exog, strict=True) if len(y) - h >= min_train]
    if last:
        from forecasts.base import one_thread

        with one_thread():
            preds = learner.predict_last([y for y, _ in last], [x for _, x in last])
        learner.residuals = np.array(
            [np.abs(np.log(y[-h:] / p)) for (y, _), p in zip(last, preds, strict=True)]
        )
    return learner


def _fit_one(
    ys: list[np.ndarray],
    m: int,
    h: int,
    n_lags: int,
    min_train: int,
    max_origins: int,
    max_iter: int,
    learning_rate: float,
    random_state: int,
    exog: list[np.ndarray | None],
) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    X_parts, y_parts, w_parts, f_parts = [], [], [], []
    for y, x in zip(ys, exog, strict=True):
        ends = np.arange(min_train, len(y))[-max_origins:]
        F, level = _features(y, ends, n_lags, m)
        factor = level / _scale(y, m)
        for k in range(1, h + 1):
            ok = ends + k - 1 < len(y)
            if not ok.any():
                break
            e = _exog_rows(x, ends[ok] + k - 1, m)
            X_parts.append(_rows(F[ok], ends[ok], np.full(ok.sum(), k), m, e))
            y_parts.append(np.log(y[ends[ok] + k - 1] / level[ok]))
            w_parts.append(np.full(ok.sum(), 1.0 / len(ends)))  # each series counts alike
            f_parts.append(factor[ok])
    X, target, w = np.vstack(X_parts), np.concatenate(y_parts), np.concatenate(w_parts)
    big = len(target) > 300_000  # for time: squared error, a third fewer and larger steps
    small = len(target) < 20_000  # a few series: a third as many steps, three times as large
    # the MASE-ward weights (see learn); a few very smooth series must not drown the rest
    w = w * np.concatenate(f_parts) ** (0.5 if big else 1.0)
    w = np.minimum(w, np.percentile(w, 99))
    w = w / w.mean()
    steps, rate = (
        (max_iter * 2 // 3, 1.6) if big else (max_iter // 3, 3.0) if small else (max_iter, 1.0)
    )
    reg = HistGradientBoostingRegressor(
        loss="squared_error" if big else "absolute_error",
        max_iter=max(steps, 1),
        learning_rate=learning_rate * rate,
        max_leaf_nodes=63,
        min_samples_leaf=int(np.clip(len(target) // 200, 5, 50)),
        random_state=random_state,
    )
    if big:
        return reg.fit(X, target, sample_weight=w)
    # weighted absolute error takes a weighted median in every leaf of every step: draw instead
    rows = np.random.default_rng(random_state).choice(len(w), size=len(w), p=w / w.sum())
    return reg.fit(X[rows], target[rows])


def _scale(y: np.ndarray, m: int) -> float:
    """Mean absolute seasonal difference (MASE's yardstick; lag 1 without two full seasons)."""
    lag = m if len(y) > 2 * m else 1
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag]))) if len(y) > lag else 0.0
    return max(scale, 1e-3 * float(np.mean(np.abs(y)))) or 1.0  # floor: exactly periodic series


class Global(Forecaster):
    """Cross-learning gradient boosting (see the module docstring); ``learner`` is the shared fit.

    Without a shared learner it learns from the series' own windows. Intervals come from the
    learner's in-sample errors, so they run narrow; "auto" recalibrates them on backtests.
    ``exog``: read the exogenous columns (the Tết share) as features of each target month.
    """

    name = "global"
    min_length = 8
    positive_only = True

    def __init__(
        self,
        season_length: int = 1,
        learner: Shared | None = None,
        max_origins: int = 48,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        exog: bool = True,
    ) -> None:
        self.season_length = season_length
        self.learner = learner
        self.max_origins = max_origins
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.exog = exog

    @property
    def reads_exog(self) -> bool:
        """Whether the shared fit should be given the series' exogenous columns."""
        return bool(self.exog)

    def learn_many(
        self, ys: Sequence[np.ndarray], h: int, Xs: Sequence[np.ndarray | None] | None = None
    ) -> Shared:
        """The shared learner for many series (``forecasts.api`` makes it once per frequency);
        ``Xs`` their exogenous columns (the Tết share), features of each target month."""
        return learn(ys, self.season_length, h, max_origins=self.max_origins,
                     max_iter=self.max_iter, learning_rate=self.learning_rate, Xs=Xs)  # fmt: skip

    def _fit(self, y: np.ndarray, X: np.ndarray | None, index: pd.DatetimeIndex | None) -> None:
        m = max(int(self.season_length), 1)
        learner = self.learner
        X = exog_features(X) if self.reads_exog else None
        k = 0 if X is None else X.shape[1]
        if learner is None or learner.season_length != m or getattr(learner, "n_exog", 0) != k:
            learner = self.learn_many([y], h=max(m, 6), Xs=None if X is None else [X])
        self.learner_ = learner
        self.y_ = y
        self.X_ = X if getattr(learner, "n_exog", 0) else None
        self._fitted: np.ndarray | None = None

    @property
    def fitted_(self) -> np.ndarray:
        """In-sample one-step predictions, made when first asked for: they cost as much as the
        forecast (a regressor call per member), and "auto" asks for them only for MinT."""
        if self._fitted is None:
            ends = np.arange(1, len(self.y_))
            self._fitted = np.concatenate(
                [[np.nan], self.learner_.predict(self.y_, ends, np.ones(len(ends)), *self._exog())]
            )
        return self._fitted

    def _exog(self, future: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """The exogenous columns over history and ``future``, as the learner reads them."""
        if self.X_ is None:
            return ()
        return (self.X_ if future is None else np.vstack([self.X_, future]),)

    def _predict(self, h: int, X: np.ndarray | None, level: list[int]) -> dict[str, np.ndarray]:
        lr = self.learner_
        steps = np.minimum(np.arange(1, h + 1), lr.h)  # beyond the trained horizon: last step
        future = () if X is None else self._exog(X)
        out = {"mean": lr.predict(self.y_, np.full(h, len(self.y_)), steps, *future)}
        for lvl in level:
            out[f"lo-{lvl}"], out[f"hi-{lvl}"] = lr.bounds(self.y_, out["mean"], steps, lvl)
        return out


def learn_scaled(
    ys: Sequence[np.ndarray],
    season_length: int,
    h: int,
    max_origins: int = 48,
    seeds: int = 3,
    hidden: tuple[int, ...] = (128, 128),
    clip: float = 10.0,
    max_rows: int = 100_000,
) -> ScaledLearner:
    """Fit small scikit-learn ``MLPRegressor`` networks on the windows of every series in ``ys``.

    Each window and its next ``h`` values are centred on the window's recent level and divided by
    the series' mean absolute seasonal difference up to the origin: the yardstick MASE divides by,
    so the squared loss counts errors as MASE does, smooth series as much as noisy ones, and any
    sign of series can take part. Targets are clipped at ``clip`` such units (a jump must not
    teach the rest). One network per window length and seed, each predicting all ``h`` steps at
    once; the forecast is their median. Windows whose whole horizon is known only.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    m = max(int(season_length), 1)
    min_train = max(2 * m, 6)
    kept = [
        y
        for y in (np.asarray(v, dtype=float) for v in ys)
        if len(y) >= min_train + h and np.all(np.isfinite(y))
    ]
    if not kept:
        raise ForecastInputError(f"global_mlp: no series of at least {min_train + h} values")
    origins = min(max_origins, max(12, max_rows // len(kept)))
    ends_of = [np.arange(min_train, len(y) - h + 1)[-origins:] for y in kept]
    scales_of = [_origin_scales(y, ends, m) for y, ends in zip(kept, ends_of, strict=True)]
    members = []
    for n_lags in window_lengths(m):
        X_parts, y_parts = [], []
        for y, ends, scale in zip(kept, ends_of, scales_of, strict=True):
            F, level = _scaled_features(y, ends, n_lags, m, scale)
            future = y[ends[:, None] + np.arange(h)[None, :]]
            X_parts.append(F)
            y_parts.append(np.clip((future - level[:, None]) / scale[:, None], -clip, clip))
        X, Y = np.vstack(X_parts), np.vstack(y_parts)
        small = len(X) < 1000  # a few series: lbfgs on a smaller network settles in a second
        for seed in range(seeds):
            net = MLPRegressor(
                hidden_layer_sizes=(32, 32) if small else hidden,
                solver="lbfgs" if small else "adam",
                batch_size=min(256, len(X)),
                early_stopping=not small,  # holds out 10% to know when to stop
                max_iter=100 if small else 200,
                random_state=seed,
            )
            with warnings.catch_warnings():  # stopping short of convergence is fine here
                warnings.simplefilter("ignore", ConvergenceWarning)
                members.append((n_lags, net.fit(X, Y if h > 1 else Y.ravel())))
    learner = ScaledLearner(m, h, members, np.full((1, h), np.nan))
    # |scaled error| of each series' latest origin whose whole horizon is known, for intervals
    res = [
        np.abs(y[-h:] - learner.predict(y, np.full(h, len(y) - h), np.arange(1, h + 1)))
        / _scale(y[:-h], m)
        for y in kept
    ]
    learner.residuals = np.array(res)
    return learner


def _origin_scales(y: np.ndarray, ends: np.ndarray, season: int) -> np.ndarray:
    """The series' scale (:func:`_scale`) on the history up to each origin."""
    return np.array([_scale(y[:e], season) for e in ends])


def _scaled_features(
    y: np.ndarray, ends: np.ndarray, n_lags: int, season: int, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Windows minus their recent level over ``scale`` (one per origin), one row each; levels."""
    pad = np.concatenate([np.full(n_lags, y[0]), y])
    w = pad[ends[:, None] + np.arange(n_lags)[None, :]]
    level = w[:, -max(season, 3) :].mean(axis=1)
    return (w - level[:, None]) / scale[:, None], level


class GlobalMLP(Global):
    """Cross-learning neural networks on MASE-scaled windows (:func:`learn_scaled`).

    A second, differently built global model for "auto"'s pools: on M3 quarterly and yearly series
    it errs where the boosted trees on log ratios do not. Works on series of any sign.
    """

    name = "global_mlp"
    positive_only = False
    reads_exog = False  # type: ignore[assignment]  # quarterly and annual pools: Tết share 0

    def __init__(
        self,
        season_length: int = 1,
        learner: ScaledLearner | None = None,
        max_origins: int = 48,
        seeds: int = 3,
    ) -> None:
        self.season_length = season_length
        self.learner = learner
        self.max_origins = max_origins
        self.seeds = seeds

    def learn_many(
        self, ys: Sequence[np.ndarray], h: int, Xs: Sequence[np.ndarray | None] | None = None
    ) -> ScaledLearner:
        """The shared networks for many series (``forecasts.api`` makes them once per frequency);
        exogenous columns are not read."""
        return learn_scaled(ys, self.season_length, h, self.max_origins, self.seeds)


def _quantiles(residuals: np.ndarray, level: int) -> np.ndarray:
    """Per-step quantile of absolute (log or scaled) errors; a random-walk guess where none are
    known."""
    q = np.nanquantile(residuals, level / 100, axis=0) if np.isfinite(residuals).any() else None
    if q is None or not np.all(np.isfinite(q)):
        return 0.1 * np.sqrt(np.arange(1, residuals.shape[1] + 1))
    return np.maximum.accumulate(q)
