"""The GDP nowcast on the demo store: the quarter in progress, the report line, the overview card."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench import nowcast


def _text(widget: object) -> str:
    parts = [str(getattr(widget, "value", ""))]
    return " ".join(parts + [_text(c) for c in getattr(widget, "children", ())])


def test_the_quarter_in_progress_is_estimated_month_by_month(use_store: Path) -> None:
    # the demo store ends in June 2022; as of May, Q2's GDP is not published yet
    nc = nowcast.gdp_nowcast(asof="2022-05")
    assert list(nc["months"]) == [1, 2]
    assert (nc["ds"] == pd.Timestamp("2022-04-01")).all()
    assert (nc["lo-80"] < nc["estimate"]).all() and (nc["estimate"] < nc["hi-80"]).all()
    assert nc["indicators"].iloc[-1] == "IIP, RETAIL_SALES/CPI"
    # trained on the quarters published by May only: 2016 Q1 .. 2022 Q1
    assert nc["n_obs"].iloc[-1] == len(pd.date_range("2016-01-01", "2022-01-01", freq="QS"))
    # in June the quarter is published: nothing left to estimate
    assert nowcast.gdp_nowcast().empty
    vi, en = nowcast.sentence(nc, "vi"), nowcast.sentence(nc, "en")
    est = nc["estimate"].iloc[-1]
    assert vi is not None and "(ước tính)" in vi and f"{est:.1f}".replace(".", ",") in vi
    assert en is not None and "(estimate)" in en and "Q2 2022" in en and f"{est:.1f}" in en
    assert nowcast.sentence(pd.DataFrame(), "vi") is None


def test_the_overview_shows_the_estimate_with_its_interval(
    use_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.briefings import data
    from workbench.briefings.pages.overview import Overview

    page = Overview(poll=0)
    assert "nris-nowcast" not in _text(page.body)  # June: Q2 is published
    nc = nowcast.gdp_nowcast(asof="2022-05")
    monkeypatch.setattr(data, "gdp_nowcast", lambda area: nc)
    page = Overview(poll=0)
    html = _text(page.body)
    assert "nris-nowcast" in html and "(ước tính)" in html
    lo = f"{nc['lo-80'].iloc[-1]:.1f}".replace(".", ",")
    assert f"khoảng 80%: {lo}" in html and "2/3 tháng" in html
    page.area.value = "01"  # a province: no national GDP estimate
    assert "nris-nowcast" not in _text(page.body)
