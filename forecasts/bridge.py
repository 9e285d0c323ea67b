"""GDP nowcast: the quarter's year-to-date growth from the monthly indicators already known.

GSO publishes GDP growth at the end of each quarter as year-to-date growth on the same period of the
previous year (Q1, 6 months, 9 months, the year). The monthly indicators (industrial production,
retail sales, trade, ...) come out every month, each with its own year-to-date growth. A bridge
equation per number of months known links them: an ordinary least squares regression (statsmodels)
of the quarter's year-to-date GDP growth on the indicators' year-to-date growth at the m-th month of
that quarter, fitted on the quarters already published. As each month arrives, the estimate moves
to the next equation; its interval is the regression's prediction interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasts.frames import _pandas


def ytd_growth(levels: Any) -> pd.DataFrame:
    """Monthly levels (``unique_id, ds, y``: flows or indexes) -> year-to-date growth in percent
    on the same months of the previous year (``unique_id, ds, y``).

    The sum of January..month over the same sum a year earlier (for an index, the year-to-date
    average, which is the same ratio); NaN where a month of either stretch is missing.
    """
    df = _pandas(levels)[["unique_id", "ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"]).dt.to_period("M").dt.start_time
    out = []
    for uid, g in df.groupby("unique_id", sort=True):
        s = g.drop_duplicates("ds", keep="last").set_index("ds")["y"].astype(float)
        full = pd.date_range(s.index.min().replace(month=1), s.index.max(), freq="MS")
        s = s.reindex(full)
        ytd = s.groupby(full.year).cumsum(skipna=False)
        prev = ytd.shift(12)
        growth = 100 * (ytd / prev - 1)
        out.append(pd.DataFrame({"unique_id": uid, "ds": full, "y": growth.to_numpy()}))
    res = (
        pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["unique_id", "ds", "y"])
    )
    return res.dropna(subset=["y"]).reset_index(drop=True)


def _wide(indicators: Any) -> pd.DataFrame:
    df = _pandas(indicators)
    df = df.assign(ds=pd.to_datetime(df["ds"]).dt.to_period("M").dt.start_time)
    return df.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="last")


def _quarters(target: Any) -> pd.Series:
    df = _pandas(target)
    ds = pd.to_datetime(df["ds"]).dt.to_period("Q").dt.start_time
    return pd.Series(df["y"].astype(float).to_numpy(), index=ds).groupby(level=0).last()


def bridge_rows(y: pd.Series, wide: pd.DataFrame, months: int) -> pd.DataFrame:
    """One row per quarter: the target and every indicator at the ``months``-th month of it."""
    rows = []
    quarters = sorted(set(y.index) | {q.to_period("Q").start_time for q in wide.index})
    for q in quarters:
        month = q + pd.DateOffset(months=months - 1)
        x = wide.loc[month] if month in wide.index else pd.Series(np.nan, index=wide.columns)
        rows.append({"quarter": q, "y": y.get(q, np.nan), **x.to_dict()})
    return pd.DataFrame(rows).set_index("quarter")


def nowcast(
    target: Any,
    indicators: Any,
    quarter: Any = None,
    months: Sequence[int] | int | None = None,
    level: int = 80,
    since: Any = None,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Year-to-date GDP growth of ``quarter`` estimated from the monthly indicators known in it.

    ``target``: quarterly ``ds, y`` (the published year-to-date growth, %); ``indicators``:
    monthly ``unique_id, ds, y``, each the indicator's year-to-date growth (%; see
    :func:`ytd_growth` to make it from levels). ``quarter`` defaults to the quarter of the latest
    indicator month; only quarters before it train the equations (pseudo real time), and from
    ``since`` on when given. ``months`` (1-3): the months of the quarter known; default every
    month the indicators hold, so the rows show the estimate as each month arrived.
    The interval is the regression's prediction interval, widened with ``calibrate`` to the
    ``level`` quantile of the equation's errors on the earlier quarters, each estimated from the
    quarters before it (when there are at least 8): the prediction interval trusts the equation,
    and a shock such as 2020 is what it cannot foresee.
    Returns ``ds, months, estimate, lo-<level>, hi-<level>, n_obs, indicators`` (``ds`` the
    quarter start). Indicators missing in the month are left out of that equation; a month none
    of them reported uses the equation of the month before.
    """

    y = _quarters(target)
    wide = _wide(indicators).dropna(axis=1, how="all")
    if wide.empty:
        raise ValueError("nowcast: no indicator values")
    q = pd.Timestamp(quarter) if quarter is not None else wide.index.max()
    q = q.to_period("Q").start_time
    if months is None:
        last = wide.dropna(how="all").index.max()
        known = 3 if last >= q + pd.DateOffset(months=3) else (last.month - q.month + 1)
        months = list(range(1, max(1, min(3, known)) + 1))
    months = [months] if isinstance(months, int) else list(months)
    out = []
    for m in months:
        if not 1 <= m <= 3:
            raise ValueError(f"nowcast: months known must be 1, 2 or 3, got {m}")
        used = m
        while True:  # a month no indicator reported: the equation of the month before
            rows = bridge_rows(y, wide, used)
            now = rows.loc[q] if q in rows.index else None
            cols = [c for c in wide.columns if now is not None and np.isfinite(now[c])]
            if cols or used == 1:
                break
            used -= 1
        train = rows[(rows.index < q) & rows["y"].notna()]
        if since is not None:
            train = train[train.index >= pd.Timestamp(since)]
        train = train.dropna(subset=cols)
        if now is None or not cols or len(train) < len(cols) + 3:
            raise ValueError(
                f"nowcast: too few quarters to estimate {q:%Y-%m} from {len(cols)} indicator(s) "
                f"({len(train)} quarters with data)"
            )
        fit, pred = _bridge(train, cols, now[cols], level)
        est = float(pred["mean"])
        half = (float(pred["obs_ci_upper"]) - float(pred["obs_ci_lower"])) / 2
        if calibrate:  # never narrower than the equation's own errors on quarters it had not seen
            errors = _past_errors(train, cols, level)
            if len(errors) >= MIN_ERRORS:
                half = max(half, _conformal(errors, level))
        out.append(
            {
                "ds": q,
                "months": m,
                "estimate": est,
                f"lo-{level}": est - half,
                f"hi-{level}": est + half,
                "n_obs": int(fit.nobs),
                "indicators": ", ".join(map(str, cols)),
            }
        )
    return pd.DataFrame(out)


MIN_ERRORS = 8


def _bridge(train: pd.DataFrame, cols: list, x: pd.Series, level: int) -> tuple[Any, pd.Series]:
    """The OLS bridge on ``train`` and its prediction (with the interval) at ``x``."""
    import statsmodels.api as sm

    X = sm.add_constant(train[cols].to_numpy(dtype=float), has_constant="add")
    fit = sm.OLS(train["y"].to_numpy(dtype=float), X).fit()
    x_now = sm.add_constant(x.to_numpy(dtype=float)[None, :], has_constant="add")
    return fit, fit.get_prediction(x_now).summary_frame(alpha=1 - level / 100).iloc[0]


def _past_errors(train: pd.DataFrame, cols: list, level: int) -> np.ndarray:
    """Errors of the equation on each training quarter, fitted on the quarters before it only."""
    errors = []
    for i in range(len(cols) + 3, len(train)):
        _, pred = _bridge(train.iloc[:i], cols, train.iloc[i][cols], level)
        errors.append(float(train["y"].iloc[i]) - float(pred["mean"]))
    return np.asarray(errors)


def _conformal(errors: np.ndarray, level: int) -> float:
    """Split-conformal half-width: the ceil((n+1) level)-th smallest absolute error."""
    a = np.sort(np.abs(errors))
    k = min(len(a), int(np.ceil((len(a) + 1) * level / 100)))
    return float(a[k - 1])
