"""Outliers in a series' history: months of a shock (a lockdown) that should not drive a forecast.

The statistical models of "auto" extrapolate their last levels and seasons; a lockdown month such
as April 2020 or August 2021 in Việt Nam drags both for years after. :func:`clean` finds such
points as R's ``forecast::tsclean`` does (residuals of a robust STL decomposition beyond three
interquartile ranges from their quartiles; in logs for positive series, where shocks are
proportional) and replaces them with the decomposition's trend plus season, the worst first.
Only shocks the series came back from are replaced (:func:`shocks`): a level shift, as in the
tourism series that collapsed in 2020 and stayed down, is what the models must follow, and a run
of odd months in the last half season cannot be told from the start of one yet.
"""

from __future__ import annotations

import numpy as np


def clean(
    y: np.ndarray, season: int, k: float = 3.0, min_log: float = 0.05, shocks_only: bool = True
) -> tuple[np.ndarray, int]:
    """``y`` with its outliers replaced (see the module docstring) and how many were replaced.

    For positive series a point must also lie ``min_log`` (5%) off its decomposition: the
    decomposition's own misfit in a smooth official aggregate is no shock. Series without a
    season to decompose (annual, or under three seasons long) come back as they are.

    With ``shocks_only`` a run of outlying months is replaced only if the series came back from
    it (:func:`shocks`): a level shift, such as a tourism series that collapsed and stayed down,
    leaves its months as they are for the models to follow.
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
    if shocks_only and replaced.any():
        y_log = np.log(y) if log else y
        replaced = shocks(y_log - np.asarray(fit.seasonal), replaced, season // 2)
    if not replaced.any():
        return y, 0
    out = np.where(replaced, np.exp(z) if log else z, y)  # untouched points exactly as they were
    return out, int(replaced.sum())


def shocks(adjusted: np.ndarray, flagged: np.ndarray, settle: int) -> np.ndarray:
    """The runs of ``flagged`` points the series came back from: the seasonally adjusted level
    (``adjusted``, in logs for positive series) over the ``settle`` points after the run is
    closer to the level over the ``settle`` points before it than to the run's own level, i.e.
    it came back at least halfway, as after a lockdown month. A run with fewer than ``settle``
    points after it cannot be told from the start of a level shift and is no shock; neither is
    a run the level did not come back from (a shift: a robust decomposition's trend bends
    towards it and leaves the months before or after it looking odd)."""
    out = np.zeros(len(flagged), dtype=bool)
    i = 0
    while i < len(flagged):
        if not flagged[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(flagged) and flagged[j + 1]:
            j += 1
        before, after = adjusted[max(0, i - settle) : i], adjusted[j + 1 : j + 1 + settle]
        if len(before) and len(after) == settle:
            base, run = np.median(before), np.median(adjusted[i : j + 1])
            out[i : j + 1] = abs(np.median(after) - base) < 0.5 * abs(run - base)
        i = j + 1
    return out
