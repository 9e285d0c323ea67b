"""The chain of targets: children's gaps weighed on the national target, on a hand-computed case."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytics
from workbench import target_chain as tc


def _targets() -> pd.DataFrame:
    rows = [
        ("NAT", "NA_GOV", "", "VN", ">=", 10.0, False),
        ("P_A", "GOV_PROVINCE", "NAT", "A", ">=", 10.0, True),
        ("P_B", "GOV_PROVINCE", "NAT", "B", ">=", 8.0, True),
        ("P_C", "GOV_PROVINCE", "NAT", "C", ">=", 12.0, True),
        ("P_D", "GOV_PROVINCE", "OTHER", "D", ">=", 1.0, True),
    ]
    df = pd.DataFrame(
        rows, columns=["code", "kind", "parent", "area", "comparison", "value", "demo"]
    )
    return df.assign(indicator="GRDP_GROWTH_YTD")


def _outlook() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["NAT", "P_A", "P_B", "P_C", "P_D"],
            "projected": [9.4, 9.0, 9.0, 11.0, 0.0],
            "p_met": [0.2, 0.3, 0.9, 0.25, 0.0],
            "status": ["off_track", "at_risk", "on_track", "off_track", "off_track"],
        }
    )


def test_chain_weighs_each_gap_on_the_national_outcome() -> None:
    # weights 0.5, 0.3, 0.2; gaps 9-10 = -1, 9-8 = +1, 11-12 = -1
    # weighted -0.5, +0.3, -0.2; shortfall -0.7 -> shares 5/7 and 2/7
    links = tc.chain(_outlook(), "NAT", _targets(), weights={"A": 0.5, "B": 0.3, "C": 0.2})
    assert links["code"].tolist() == ["P_A", "P_C", "P_B"]  # most behind first; D is not a child
    assert links["gap"].tolist() == pytest.approx([-1.0, -1.0, 1.0])
    assert links["weighted_gap"].tolist() == pytest.approx([-0.5, -0.2, 0.3])
    assert links["behind"].tolist() == [True, True, False]
    assert links["share_of_shortfall"].iloc[:2].tolist() == pytest.approx([5 / 7, 2 / 7])
    assert np.isnan(links["share_of_shortfall"].iloc[2])
    s = tc.summary(links)
    # implied 0.5*10 + 0.3*8 + 0.2*12 = 9.8; projected 0.5*9 + 0.3*9 + 0.2*11 = 9.4
    assert s["implied"] == pytest.approx(9.8)
    assert s["projected"] == pytest.approx(9.4)
    assert s["shortfall"] == pytest.approx(-0.7)
    assert (s["children"], s["behind"]) == (3, 2)


def test_a_ceiling_target_is_behind_when_above_it() -> None:
    targets = _targets().assign(comparison="<=")
    links = tc.chain(_outlook(), "NAT", targets, weights={"A": 0.5, "B": 0.3, "C": 0.2})
    # <= : under the ceiling is ahead. A 9 <= 10 (+1), B 9 > 8 (-1), C 11 <= 12 (+1)
    assert links.set_index("code")["gap"].to_dict() == pytest.approx(
        {"P_A": 1.0, "P_B": -1.0, "P_C": 1.0}
    )
    assert links["code"].iloc[0] == "P_B"
    assert tc.summary(links)["shortfall"] == pytest.approx(-0.3)


def test_a_child_without_projection_is_not_counted_behind() -> None:
    outlook = _outlook()
    outlook.loc[outlook["code"] == "P_A", "projected"] = np.nan
    links = tc.chain(outlook, "NAT", _targets(), weights={"A": 0.5, "B": 0.3, "C": 0.2})
    row = links.set_index("code").loc["P_A"]
    assert np.isnan(row["gap"]) and not row["behind"]
    assert links["code"].iloc[-1] == "P_A"
    assert links.loc[links["behind"], "share_of_shortfall"].sum() == pytest.approx(1.0)
    assert tc.summary(links)["projected"] == pytest.approx(0.3 * 9 + 0.2 * 11)


def test_no_children_gives_an_empty_chain() -> None:
    assert tc.chain(_outlook(), "P_A", _targets(), weights={}).empty


def test_catalog_weights_follow_the_aggregation_rule() -> None:
    growth = tc.area_weights("GRDP_GROWTH_YTD")  # a growth rate: share of the economy
    assert len(growth) == 34 and growth.sum() == pytest.approx(1.0)
    areas = analytics.areas().set_index("code")
    assert growth["79"] == pytest.approx(
        areas.loc["79", "econ_weight"] / areas["econ_weight"].sum()
    )
    pop = tc.area_weights("POVERTY_RATE")  # wmean by POPULATION
    assert pop["01"] == pytest.approx(areas.loc["01", "population_k"] / areas["population_k"].sum())
    assert (tc.area_weights("RETAIL_SALES") == 1.0).all()  # additive


def test_catalog_links_province_targets_to_the_national_one() -> None:
    targets = analytics.targets()
    kids = targets[targets["parent"] == "NA2026_GDP_GROWTH"]
    assert len(kids) == 34 and set(kids["kind"]) == {"GOV_PROVINCE"}
    assert kids["demo"].all()  # the province figures are illustrative
    assert (targets.loc[targets["kind"] == "NA_GOV", "parent"] == "").all()


def _real_case() -> tuple[pd.Series, pd.DataFrame]:
    """The hand-computed case on real provinces: HCMC 0.5, Hà Nội 0.3, Hải Phòng 0.2."""
    targets = _targets().replace({"area": {"A": "79", "B": "01", "C": "31"}})
    links = tc.chain(_outlook(), "NAT", targets, weights={"79": 0.5, "01": 0.3, "31": 0.2})
    parent = pd.Series(
        {"code": "NAT", "indicator": "GDP_GROWTH_YTD", "comparison": ">=", "value": 10.0}
    )
    return parent, links


def test_overview_chain_panel_states_the_hand_computed_case() -> None:
    from workbench.briefings.pages.overview import chain_panel

    parent, links = _real_case()
    vi = chain_panel(parent, links, "vi")
    assert "cả nước đạt 9,80%; theo dự báo của các tỉnh: 9,40%" in vi
    assert "2/3 tỉnh dự báo không đạt, kéo kết quả cả nước xuống 0,70 điểm %" in vi
    assert vi.index("Thành phố Hồ Chí Minh") < vi.index("Thành phố Hải Phòng")
    assert "Thành phố Hà Nội" not in vi  # ahead of its target: not listed among those behind
    assert "-0,50 điểm %" in vi and "71%" in vi and "29%" in vi and "50,0%" in vi
    assert "số minh họa" in vi  # the provinces' targets are demo rows
    assert "tác động lớn nhất" not in vi
    assert "1 tỉnh có tác động lớn nhất" in chain_panel(parent, links, "vi", top=1)
    en = chain_panel(parent, links, "en")
    assert "2 of 3 provinces" in en and "down by 0.70 pct points" in en and "-0.50" in en


def test_overview_chains_follow_the_target_outlook(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.briefings import data
    from workbench.outlook import target_outlook

    # a copy of the shared store, so this outlook's cache file is not another test's business
    store = tmp_path / "store"
    shutil.copytree(demo_store, store, ignore=shutil.ignore_patterns("outlook"))
    monkeypatch.setenv("NRIS_STORE", str(store))

    links = data.target_chains(2025)["NA2025_GDP_GROWTH"]
    assert len(links) == 34 and links["weight"].sum() == pytest.approx(1.0)
    full = target_outlook(2025).set_index("code")
    assert links.set_index("code")["projected"].to_dict() == pytest.approx(
        full.loc[links["code"], "projected"].to_dict()
    )
    s = tc.summary(links)
    assert s["projected"] == pytest.approx(float((links["weight"] * links["projected"]).sum()))
    assert s["behind"] == int((links["projected"] < links["target"]).sum())
