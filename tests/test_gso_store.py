"""GSO trade releases replayed through the submission path into a store: preliminary, then revised.

The excerpt in ``tests/data/vn_gso`` holds the releases of 2020-08 .. 2021-02 as published. Every
expected figure below is written from the excerpt's own numbers (month estimate ``Total-M``,
year-to-date total ``Total-YOY``), so a reader can check it against the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import analytics
from analytics import gso
from analytics.load import vintages

DATA = Path(__file__).parent / "data" / "vn_gso"
JAN_2021_YOY = 50.53086400353476  # xk.csv, TỔNG TRỊ GIÁ, 2021-01, YOY


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The excerpt's forms filed into an empty store, as the customs office (once per module)."""
    folder = tmp_path_factory.mktemp("gso")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NRIS_STORE", str(folder / "store"))
        results = gso.submit_forms(gso.forms(gso.read_releases(DATA)), folder / "forms")
    return folder / "store", results


@pytest.fixture
def gso_store(filed: tuple[Path, list], monkeypatch: pytest.MonkeyPatch) -> list:
    """The filed store for one test (read only), and the submissions' results."""
    monkeypatch.setenv("NRIS_STORE", str(filed[0]))
    return filed[1]


def _latest(code: str) -> dict[str, float]:
    df = analytics.load(code, areas="VN", frame="pandas")
    return {f"{pd.Timestamp(p):%Y-%m}": v for p, v in zip(df["period"], df["value"], strict=True)}


def test_every_release_is_filed_in_order_preliminary_then_official(gso_store: list) -> None:
    filed = [(r.status, f"{r.period:%Y-%m}", r.n_rows, r.n_revised) for r in gso_store]
    assert filed == [
        ("accepted", "2020-08", 7, 0),  # preliminary
        ("accepted", "2020-08", 7, 7),  # revised by the September release
        ("accepted", "2020-09", 7, 0),
        # the October release lacks the FDI sector: no form for 2020-10 nor revision of 2020-09
        ("accepted", "2020-10", 7, 0),  # first known from the November release, official
        ("accepted", "2020-11", 7, 0),
        ("accepted", "2020-11", 7, 7),
        ("accepted", "2020-12", 7, 0),  # December is never revised: January starts a new total
        ("accepted", "2021-01", 7, 0),
        ("accepted", "2021-01", 7, 7),
        ("accepted", "2021-02", 7, 0),
    ]
    # the only remarks: revisions arrive after the regime's deadline (the 6th), as they really do
    kinds = {i.kind for r in gso_store for i in r.issues}
    assert kinds == {"late"}


def test_the_snapshot_holds_the_levels_recovered_from_year_to_date_totals(
    gso_store: list,
) -> None:
    exports = _latest("EXPORTS")
    assert exports == pytest.approx(
        {
            # revised: the September total less its own estimate, less August's first total
            "2020-08": (202858.155253 - 27500.0) - (174107.315888 - 26500.0),
            "2020-09": 27500.0,  # its revision is inside October's difference
            "2020-10": (254594.0 - 24800.0) - 202858.155253,
            "2020-11": (281471.0 - 26500.0) - (254594.0 - 24800.0),
            "2020-12": 26500.0,
            "2021-01": 48545.770525 - 20000.0,
            "2021-02": 20000.0,
        },
        rel=1e-12,
    )
    fdi = _latest("EXPORTS_FDI")
    # a month the releases left out, known only by differencing the year-to-date totals (it also
    # carries the sector reclassification GSO made between its September and November tables)
    assert fdi["2020-10"] == pytest.approx((181584.0 - 17795.0) - 131028.711101, rel=1e-12)
    assert fdi["2021-01"] == pytest.approx(37070.024175 - 15352.5, rel=1e-12)
    # the stored months of a year add up to the latest year-to-date total published
    for code, ytd in (("EXPORTS", 48545.770525), ("EXPORTS_FDI", 37070.024175),
                      ("IMPORTS", 47259.403719)):  # fmt: skip
        got = _latest(code)
        assert got["2021-01"] + got["2021-02"] == pytest.approx(ytd, rel=1e-12)
    got = _latest("EXPORTS")
    assert sum(v for k, v in got.items() if k.startswith("2020")) == pytest.approx(
        281471.0 - (174107.315888 - 26500.0), rel=1e-12
    )
    # the balance is exports less imports of the same form; rates as first published
    balance, imports = _latest("TRADE_BALANCE"), _latest("IMPORTS")
    assert balance == pytest.approx({k: exports[k] - imports[k] for k in exports}, rel=1e-12)
    assert _latest("EXPORTS_YOY")["2021-02"] == pytest.approx(-4.7038750442781065, rel=1e-12)
    # the official form restates the rate first published for its month (no revised rate is out)
    yoy = vintages("EXPORTS_YOY", "VN", "2021-01").to_pandas()
    assert yoy["value"].tolist() == [JAN_2021_YOY, JAN_2021_YOY]


def test_vintages_keep_the_preliminary_figure_and_the_latest_wins(gso_store: list) -> None:
    v = vintages("EXPORTS", "VN", "2021-01").to_pandas()
    assert v["value"].tolist() == pytest.approx([27700.0, 48545.770525 - 20000.0], rel=1e-12)
    assert v["status"].tolist() == ["preliminary", "revised"]
    assert v["vintage"].tolist() == [
        pd.Timestamp("2021-01-29 12:00"),
        pd.Timestamp("2021-02-28 12:00"),
    ]
    # what was known between the two releases: the preliminary figure
    before = analytics.load("EXPORTS", areas="VN", as_of=dt.datetime(2021, 2, 1), frame="pandas")
    assert before.set_index(before["period"].astype(str))["value"]["2021-01-01"] == 27700.0
    # a month first known from a later release: one official vintage, dated with that release
    oct_ = vintages("EXPORTS_FDI", "VN", "2020-10").to_pandas()
    assert oct_["status"].tolist() == ["official"]
    assert oct_["vintage"].tolist() == [pd.Timestamp("2020-11-29 12:00")]
    # December keeps its one preliminary vintage
    assert vintages("IMPORTS", "VN", "2020-12").to_pandas()["status"].tolist() == ["preliminary"]


def test_a_month_change_left_unpublished_comes_from_the_year_to_date_changes(
    tmp_path: Path,
) -> None:
    head = "Ngành,Total-M,Total-YOY,YOY,YTD-YOY,Date,Month\n"
    rows = {  # total exports: January, then February without its change on a year before
        "xk.csv": "TỔNG TRỊ GIÁ,100.0,100.0,25.0,25.0,2016-01-29,2016-01\n"
        "TỔNG TRỊ GIÁ,60.0,150.0,,25.0,2016-02-29,2016-02\n"
        "TỔNG TRỊ GIÁ,70.0,220.0,,-100.0,2016-03-29,2016-03\n"
        "Khu vực có vốn đầu tư NN,70.0,70.0,1.0,1.0,2016-01-29,2016-01\n",
        "nk.csv": "TỔNG TRỊ GIÁ,90.0,90.0,,12.5,2016-01-29,2016-01\n",
    }
    for name, text in rows.items():
        (tmp_path / name).write_text(head + text, encoding="utf-8")
    rel = gso.read_releases(tmp_path).set_index(["indicator", "month"])["first"]
    # last year: 150 / 1.25 = 120 through February, 100 / 1.25 = 80 in January, so 40 in
    # February: 60 is 50% more
    assert rel[("EXPORTS_YOY", pd.Timestamp("2016-02-01"))] == 50.0
    assert rel[("IMPORTS_YOY", pd.Timestamp("2016-01-01"))] == 12.5  # January: the total's
    # -100% is an empty cell read as zero: neither it nor what it would derive is used
    assert ("EXPORTS_YTD_YOY", pd.Timestamp("2016-03-01")) not in rel.index
    assert ("EXPORTS_YOY", pd.Timestamp("2016-03-01")) not in rel.index
