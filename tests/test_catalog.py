"""The catalog ships complete, and a broken catalog fails with the file and the entry named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import vietnam_provinces as vp

from analytics import paths
from analytics.catalog import load_catalog
from analytics.errors import CatalogError


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_catalog_covers_the_nine_domains(cat):
    assert len(cat.indicators) >= 60
    assert set(cat.indicators["domain"]) == set(cat.domains["code"])
    assert len(cat.domains) == 9
    for code in [
        "GDP_GROWTH_Q",
        "GDP_GROWTH_YTD",
        "CPI_MOM",
        "CPI_YOY",
        "CPI_YTD_AVG",
        "CPI_CORE_YOY",
        "IIP",
        "RETAIL_SALES",
        "EXPORTS",
        "IMPORTS",
        "TRADE_BALANCE",
        "FDI_REGISTERED",
        "FDI_DISBURSED",
        "BUDGET_REVENUE",
        "BUDGET_EXPENDITURE",
        "PUBLIC_INVEST_DISBURSED",
        "NEW_ENTERPRISES",
        "DISSOLVED_ENTERPRISES",
        "INTL_ARRIVALS",
        "UNEMPLOYMENT_RATE",
    ]:
        assert code in set(cat.indicators["code"]), code


def test_catalog_grows_toward_the_governments_set(cat):
    ind = cat.indicators
    assert len(ind) >= 150
    for col in ("unit_vi", "unit_en", "time_agg", "area_agg", "agency", "source"):
        assert (ind[col] != "").all(), col
    # every source names a law, decree, resolution, decision or standard, or says it needs checking
    named = ind["source"].str.contains(
        r"Luật|Nghị định|Nghị quyết|Quyết định|Thông tư|QCVN|cần xác minh"
    )
    assert named.all(), ind.loc[~named, "code"].tolist()
    stat = ind.set_index("code").loc["LABOUR_PRODUCTIVITY_GROWTH", "source"]
    assert "94/2022/NĐ-CP" in stat and "62/2024/NĐ-CP" in stat
    wmean = ind[ind["area_agg"] == "wmean"]
    assert (wmean["weight"] != "").all()
    profiles = pd.read_csv(paths.catalog_dir() / "demo_profiles.csv", dtype=str)
    assert sorted(profiles["code"]) == sorted(ind["code"])


def test_resolution_244_targets_have_their_indicators(cat):
    t = cat.targets.set_index("code")
    expected = {
        "NA2026_MANUFACTURING_SHARE": ("MANUFACTURING_SHARE_GDP", ">=", 24.96, "about"),
        "NA2026_LABOUR_PRODUCTIVITY": ("LABOUR_PRODUCTIVITY_GROWTH", ">=", 8.5, "about"),
        "NA2026_AGRI_LABOUR": ("AGRI_LABOUR_SHARE", "<=", 25.3, "about"),
        "NA2026_NEW_RURAL": ("NEW_RURAL_COMMUNES_SHARE", ">=", 15.0, ""),
    }
    for code, (indicator, comparison, value, wording) in expected.items():
        row = t.loc[code]
        assert (row["indicator"], row["comparison"], row["value"], row["wording"]) == (
            indicator,
            comparison,
            value,
            wording,
        )
        assert row["year"] == 2026 and row["source_doc"].startswith("Nghị quyết 244/2025/QH15")
    # the other indicators the National Assembly's targets speak of exist too
    for code in ("INVESTMENT_GDP_SHARE", "URBANISATION_RATE", "DIGITAL_ECONOMY_SHARE"):
        assert code in set(cat.indicators["code"])


def test_every_indicator_is_carried_by_a_regime(cat):
    assert (cat.indicators["regimes"] != "").all()


def test_agencies_and_provinces(cat):
    central = cat.agencies[cat.agencies["kind"].isin(["ministry", "agency"])]
    assert len(central) >= 16
    official = {f"{p.code:02d}": p.name for p in vp.Province.iter_all()}
    provinces = cat.provinces()
    assert len(provinces) == 34
    assert dict(zip(provinces["code"], provinces["name_vi"], strict=True)) == official
    regions = cat.areas[cat.areas["level"] == "region"]
    assert len(regions) == 6
    assert set(provinces["parent"]) == set(regions["code"])


def test_regimes_cover_every_frequency(cat):
    assert len(cat.regimes) >= 20
    assert {"M", "Q", "6M", "9M", "A", "adhoc"} <= set(cat.regimes["frequency"])


def test_targets_for_two_years(cat):
    na = cat.targets[cat.targets["kind"] == "NA_GOV"]
    assert {2025, 2026} <= set(na["year"])
    assert (cat.targets["kind"] == "GOV_PROVINCE").sum() >= 34


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of the catalog to break one file at a time."""
    folder = tmp_path / "catalog"
    shutil.copytree(paths.catalog_dir(), folder)
    return folder


def _edit_csv(folder: Path, name: str, fn) -> None:
    df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    fn(df).to_csv(folder / name, index=False)


@pytest.mark.parametrize(
    ("file", "edit", "expected"),
    [
        ("indicators.csv", lambda d: pd.concat([d, d.iloc[[0]]]), "duplicate code"),
        (
            "indicators.csv",
            lambda d: d.assign(measure=["flw"] + list(d["measure"][1:])),
            "measure = 'flw'",
        ),
        (
            "indicators.csv",
            lambda d: d.assign(agency=["NOBODY"] + list(d["agency"][1:])),
            "unknown agency 'NOBODY'",
        ),
        (
            "indicators.csv",
            lambda d: d.assign(decimals=["x"] + list(d["decimals"][1:])),
            "decimals must be an integer",
        ),
        ("indicators.csv", lambda d: d.drop(columns=["unit_vi"]), "missing columns unit_vi"),
        (
            "areas.csv",
            lambda d: d.assign(level=["county"] + list(d["level"][1:])),
            "level = 'county'",
        ),
        (
            "targets.csv",
            lambda d: d.assign(indicator=["GDP_GROWHT"] + list(d["indicator"][1:])),
            "unknown indicator 'GDP_GROWHT'",
        ),
        (
            "targets.csv",
            lambda d: d.assign(comparison=["=>"] + list(d["comparison"][1:])),
            "comparison = '=>'",
        ),
        (
            "targets.csv",
            lambda d: d.assign(parent=["NOPE"] + list(d["parent"][1:])),
            "unknown parent 'NOPE'",
        ),
        (
            "targets.csv",
            lambda d: d.assign(parent=d["parent"].str.replace("NA2026_", "NA2025_")),
            "must be a National Assembly target of the same year",
        ),
        (
            "agencies.csv",
            lambda d: d.assign(area=["ZZ"] + list(d["area"][1:])),
            "unknown area 'ZZ'",
        ),
    ],
)
def test_validation_names_file_and_entry(broken, file, edit, expected):
    _edit_csv(broken, file, edit)
    with pytest.raises(CatalogError) as err:
        load_catalog(broken)
    message = str(err.value)
    assert file in message and expected in message
    assert "\n" not in message


def test_regime_with_unknown_indicator(broken):
    text = (broken / "regimes.yml").read_text(encoding="utf-8")
    (broken / "regimes.yml").write_text(
        text.replace("indicators: [", "indicators: [NOT_AN_INDICATOR, ", 1), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match=r"regimes.yml.*unknown indicator 'NOT_AN_INDICATOR'"):
        load_catalog(broken)


def test_missing_file(broken):
    (broken / "domains.csv").unlink()
    with pytest.raises(CatalogError, match="domains.csv"):
        load_catalog(broken)
