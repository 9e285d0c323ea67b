"""Outliers in a series' history: months of a shock (a lockdown) that should not drive a forecast.

The statistical models of "auto" extrapolate their last levels and seasons; a lockdown month such
as April 2020 or August 2021 in Việt Nam drags both for years after. :func:`clean` finds such
points as R's ``forecast::tsclean`` does (residuals of a robust STL decomposition beyond three
interquartile ranges from their quartiles; in logs for positive series, where shocks are
proportional) and replaces them with the decomposition's trend plus season, the worst first.
"""

from __future__ import annotations

import numpy as np


def clean(
    y: np.ndarray, season: int, k: float = 3.0, min_log: float = 0.05
) -> tuple[np.ndarray, int]:
    """``y`` with its outliers replaced (see the module docstring) and how many were replaced.

    For positive series a point must also lie ``min_log`` (5%) off its decomposition: the
    decomposition's own misfit in a smooth official aggregate is no shock. Series without a
    season to decompose (annual, or under three seasons long) come back as they are.
    """
    from statsmodels.tsa.seasonal import STL

    y = np.asarray(y, dtype=float)
    if season < 2 or len(y) < 3 * season or not np.all(np.isfinite(y)):
        return y, 0
    log = bool(np.all(y > 0))
    z = np.log(y) if log else y.copy()
    replaced = np.zeros(len(z), dtype=bool)
    # the worst point first, then decompose again: a shock also bends the season it sits in, so
    # the same month of other years looks odd until the shock itself is gone
    for _ in range(max(1, len(z) // 10)):
        fit = STL(z, period=season, robust=True).fit()
        resid = np.asarray(fit.resid)
        q1, q3 = np.quantile(resid, [0.25, 0.75])
        iqr = q3 - q1
        if iqr <= 0:
            break
        far = np.maximum(q1 - k * iqr - resid, resid - q3 - k * iqr)
        if log:
            far = np.minimum(far, np.abs(resid) - min_log)
        worst = int(np.argmax(far))
        if far[worst] <= 0:
            break
        z[worst] = float(np.asarray(fit.trend)[worst] + np.asarray(fit.seasonal)[worst])
        replaced[worst] = True
    if not replaced.any():
        return y, 0
    out = np.where(replaced, np.exp(z) if log else z, y)  # untouched points exactly as they were
    return out, int(replaced.sum())
