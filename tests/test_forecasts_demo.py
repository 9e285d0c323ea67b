"""forecasts on the demo store: analytics.load -> to_nixtla -> forecast -> reconcile."""

from __future__ import annotations

import numpy as np
import pytest

import forecasts as F


@pytest.fixture()
def demo_env(demo_store, monkeypatch):  # noqa: ANN001 - pytest fixtures
    monkeypatch.setenv("NRIS_STORE", str(demo_store))
    return demo_store


def test_retail_sales_provinces_reconcile_to_the_nation(demo_env) -> None:  # noqa: ANN001
    import analytics

    raw = analytics.load("RETAIL_SALES", start="2018-01", frame="pandas")
    y = F.common_end(F.to_nixtla(raw))  # late provincial submissions leave the last month short
    assert y["tet"].gt(0).any() and y["unique_id"].str.startswith("RETAIL_SALES|").all()
    fc, fit = F.forecast(y, 6, models=["theta"], fitted=True, n_jobs=1, progress=False)
    rec = F.reconcile(fc, fit, analytics.areas())
    areas = analytics.areas().set_index("code")["level"]
    wide = rec.pivot(index="ds", columns="unique_id", values="theta")
    level = wide.columns.str.split("|").str[1].map(areas)
    provinces = wide.loc[:, level == "province"].sum(axis=1)
    np.testing.assert_allclose(provinces, wide["RETAIL_SALES|VN"], rtol=1e-6)
    back = F.from_nixtla(rec)
    assert set(back["indicator"]) == {"RETAIL_SALES"}
