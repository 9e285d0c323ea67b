"""The GDP nowcast (bridge equations) on series the tests build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasts as F

MONTHS = pd.date_range("2012-01-01", "2023-12-01", freq="MS")
QUARTERS = pd.date_range("2012-01-01", "2023-10-01", freq="QS")


def _built(seed: int = 0, noise: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two monthly indicators (year-to-date growth, %) and a quarterly target that is
    1 + 0.5 x1 + 0.25 x2 at each quarter's third month, plus a little noise."""
    rng = np.random.default_rng(seed)
    x1 = 6 + np.cumsum(rng.normal(0, 0.8, len(MONTHS)))
    x2 = 8 + rng.normal(0, 3, len(MONTHS))
    ind = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": MONTHS, "y": x1}),
            pd.DataFrame({"unique_id": "b", "ds": MONTHS, "y": x2}),
        ]
    )
    third = pd.Series(x1, MONTHS)[QUARTERS + pd.DateOffset(months=2)].to_numpy()
    third2 = pd.Series(x2, MONTHS)[QUARTERS + pd.DateOffset(months=2)].to_numpy()
    y = 1 + 0.5 * third + 0.25 * third2 + rng.normal(0, noise, len(QUARTERS))
    return pd.DataFrame({"ds": QUARTERS, "y": y}), ind


def test_nowcast_recovers_a_known_bridge_relation() -> None:
    target, ind = _built()
    q = QUARTERS[-1]
    known = target[target["ds"] < q]
    out = F.nowcast(known, ind, quarter=q, months=3)
    x = ind.set_index(["unique_id", "ds"])["y"]
    truth = (
        1
        + 0.5 * x[("a", q + pd.DateOffset(months=2))]
        + 0.25 * x[("b", q + pd.DateOffset(months=2))]
    )
    row = out.iloc[0]
    assert row["months"] == 3 and row["n_obs"] == len(known)
    assert row["estimate"] == pytest.approx(truth, abs=0.1)
    assert row["lo-80"] < truth < row["hi-80"]
    assert row["hi-80"] - row["lo-80"] < 0.5  # the noise is 0.05: a tight interval


def test_nowcast_updates_as_months_arrive_and_never_trains_on_its_quarter() -> None:
    target, ind = _built()
    q = QUARTERS[-2]
    # the indicators through the quarter's second month only: two updates, 1 and 2 months known
    known_ind = ind[ind["ds"] < q + pd.DateOffset(months=2)]
    out = F.nowcast(target, known_ind, quarter=q)
    assert list(out["months"]) == [1, 2]
    assert (out["n_obs"] == (target["ds"] < q).sum()).all()  # later quarters are not used
    # with the month the relation is written on, the estimate is exact; before it, it is not
    full = F.nowcast(target, ind, quarter=q, months=[1, 3])
    actual = float(target.loc[target["ds"] == q, "y"].iloc[0])
    err1, err3 = abs(full["estimate"] - actual).to_numpy()
    assert err3 < 0.2 < err1


def test_nowcast_falls_back_to_the_month_before_when_a_month_is_missing() -> None:
    target, ind = _built()
    q = QUARTERS[-1]
    gap = ind[ind["ds"] != q + pd.DateOffset(months=1)]  # no indicator reported month 2
    two = F.nowcast(target[target["ds"] < q], gap, quarter=q, months=2).iloc[0]
    one = F.nowcast(target[target["ds"] < q], gap, quarter=q, months=1).iloc[0]
    assert two["estimate"] == pytest.approx(one["estimate"])


def test_nowcast_refuses_too_little_history() -> None:
    target, ind = _built()
    with pytest.raises(ValueError, match="too few quarters"):
        F.nowcast(target.iloc[:3], ind, quarter=QUARTERS[3], months=3)


def test_ytd_growth_of_levels() -> None:
    # a flow growing 10% a year: every year-to-date figure grows 10% on the same months
    months = pd.date_range("2020-01-01", "2022-12-01", freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * months.month / 12)
    y = np.asarray(100 * season * 1.1 ** (months.year - 2020), dtype=float)
    out = F.ytd_growth(pd.DataFrame({"unique_id": "x", "ds": months, "y": y}))
    assert out["ds"].min() == pd.Timestamp("2021-01-01")  # no growth without the year before
    assert np.allclose(out["y"], 10.0)
    # Jan-Feb of 2021 against Jan-Feb of 2020 when February doubles: the sums, not the months
    y2 = np.array(y, dtype=float)
    y2[np.asarray((months.year == 2021) & (months.month == 2))] *= 2
    got = F.ytd_growth(pd.DataFrame({"unique_id": "x", "ds": months, "y": y2}))
    feb = got.set_index("ds").loc[pd.Timestamp("2021-02-01"), "y"]
    jan, fe = y[0], y[1]
    assert feb == pytest.approx(100 * ((1.1 * jan + 2.2 * fe) / (jan + fe) - 1))


def test_nowcast_interval_is_never_narrower_than_its_own_past_errors() -> None:
    target, ind = _built(noise=0.05)
    # a break the indicators did not see (growth 3 points higher from 2021): the equation,
    # fitted on both regimes, misses the quarters after the break by more than its residuals say
    shocked = target.copy()
    shocked.loc[shocked.index[36:], "y"] += 3.0
    q = QUARTERS[-1]
    known = shocked[shocked["ds"] < q]
    plain = F.nowcast(known, ind, quarter=q, months=3, calibrate=False).iloc[0]
    cal = F.nowcast(known, ind, quarter=q, months=3).iloc[0]
    assert cal["estimate"] == pytest.approx(plain["estimate"])
    assert cal["hi-80"] - cal["lo-80"] > plain["hi-80"] - plain["lo-80"]
    # on the clean series the regression's own interval already covers its errors
    calm = F.nowcast(target[target["ds"] < q], ind, quarter=q, months=3)
    loose = F.nowcast(target[target["ds"] < q], ind, quarter=q, months=3, calibrate=False)
    assert calm["hi-80"].iloc[0] - calm["lo-80"].iloc[0] < 0.5
    assert calm["hi-80"].iloc[0] >= loose["hi-80"].iloc[0]
