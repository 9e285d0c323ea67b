"""The 63 -> 34 province mapping: checked against the published table and applied to series."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import polars as pl
import pytest

from analytics import paths
from analytics.harmonize import provinces_63, to_34

SHARED_MAPPING = paths.root().parent / "shared" / "data" / "geo" / "vn63_to_34_mapping.xlsx"


def _key(name: str) -> str:
    text = unicodedata.normalize("NFD", name.lower().replace("thành phố ", "").replace("tp ", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("đ", "d")
    return {"hcm": "ho chi minh", "thua thien hue": "hue"}.get(text.strip(), text.strip())


def test_every_old_province_maps_to_one_of_the_34():
    df = provinces_63()
    assert len(df) == 63 and df["new_code"].nunique() == 34


@pytest.mark.skipif(
    not SHARED_MAPPING.exists(), reason=f"reference table not found at {SHARED_MAPPING}"
)
def test_mapping_matches_the_published_table():
    ref = pd.read_excel(SHARED_MAPPING, sheet_name="Mapping")
    expected = {_key(a): _key(b) for a, b in zip(ref["From"], ref["To"], strict=True)}
    from analytics import areas

    new_names = dict(zip(areas()["code"], areas()["name_vi"], strict=True))
    ours = {_key(r.name_vi): _key(new_names[r.new_code]) for r in provinces_63().itertuples()}
    assert ours == expected


def test_additive_series_sum_into_merged_provinces():
    old = pl.DataFrame(
        {
            "indicator": "RETAIL_SALES",
            "freq": "M",
            "period": dt.date(2024, 1, 1),
            "area": ["74", "77", "79", "01", "VN"],
            "value": [10.0, 20.0, 30.0, 5.0, 65.0],
        }
    )
    new = to_34(old)
    values = dict(zip(new["area"], new["value"], strict=True))
    assert values == {"79": 60.0, "01": 5.0, "VN": 65.0}


def test_weighted_series_need_weights():
    old = pl.DataFrame(
        {
            "indicator": "CPI",
            "freq": "M",
            "period": dt.date(2024, 1, 1),
            "area": ["89", "91"],
            "value": [100.0, 110.0],
        }
    )
    with pytest.raises(Exception, match="needs weights"):
        to_34(old)
    out = to_34(old, weights={"89": 3.0, "91": 1.0})
    assert out["value"].item() == pytest.approx(102.5)
    assert out["area"].item() == "91"


def test_unknown_old_code():
    old = pl.DataFrame(
        {
            "indicator": "RETAIL_SALES",
            "freq": "M",
            "period": dt.date(2024, 1, 1),
            "area": ["03"],
            "value": [1.0],
        }
    )
    with pytest.raises(Exception, match="unknown old province codes: 03"):
        to_34(old)
