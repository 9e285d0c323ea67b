"""The commune level: communes from vietnam-provinces, a province filing its communes' figures,
aggregation commune -> province -> nation, which communes reported, and the provinces page."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import vietnam_provinces as vp
from cli_helpers import run_main
from test_ingest_helpers import write_csv

import analytics
from analytics import store, templates
from analytics.errors import UnknownCodeError

RECEIVED, ONTIME, BIRTHS = (
    "COMMUNE_ADMIN_RECEIVED",
    "COMMUNE_ADMIN_ONTIME_RATE",
    "COMMUNE_BIRTHS_REGISTERED",
)
MONTH = "2025-09-01"


def test_communes_come_from_the_package() -> None:
    cat = analytics.catalog()
    com = cat.communes()
    assert len(com) == 3321 == len(list(vp.Ward.iter_all()))
    per_province = Counter(f"{int(w.province_code):02d}" for w in vp.Ward.iter_all())
    assert com.groupby("parent").size().to_dict() == dict(per_province)
    assert set(com["parent"]) == set(cat.provinces()["code"])
    hoan_kiem = com.set_index("code").loc["00070"]
    assert (hoan_kiem["name_vi"], hoan_kiem["name_en"], hoan_kiem["parent"]) == (
        "Phường Hoàn Kiếm",
        "Hoan Kiem Ward",
        "01",
    )


def test_area_codes_keep_provinces_and_communes_apart() -> None:
    assert analytics.resolve_areas(["070", "1", "00070", "VN"]) == ["00070", "01", "00070", "VN"]
    with pytest.raises(UnknownCodeError):
        analytics.resolve_areas("70")  # two digits are a province code, and there is no province 70


def _write(rows: list[tuple[str, str, float]], month: str = MONTH) -> None:
    """Store (indicator, area, value) rows of one month, each from its province's committee."""
    obs = pd.DataFrame(rows, columns=["indicator", "area", "value"])
    parent = analytics.areas().set_index("code")["parent"]
    obs = obs.assign(
        agency="UBND_" + obs["area"].map(parent),
        period=pd.Timestamp(month).date(),
        freq="M",
        unit="x",
        status="official",
        submission_id=1,
        regime="BC_XA_THANG",
        vintage=pd.Timestamp(month) + pd.Timedelta(days=45),
    )
    with store.writer() as con:
        store.append_observations(con, obs)


def test_commune_store_aggregates_to_province_and_nation(empty_store: Path) -> None:
    """Every commune receives 10 files, 90% on time; one commune of Lai Châu (38 communes) 30
    files, 50% on time. By hand: Lai Châu 30 + 37 x 10 = 400 files, (30 x 50 + 370 x 90) / 400 =
    87% on time; the nation 3,320 x 10 + 30 = 33,230 files, (33,200 x 90 + 30 x 50) / 33,230."""
    com = analytics.catalog().communes()
    odd = com.loc[com["parent"] == "12", "code"].iloc[0]
    rows = []
    for code in com["code"]:
        rows.append((RECEIVED, code, 30.0 if code == odd else 10.0))
        rows.append((ONTIME, code, 50.0 if code == odd else 90.0))
    _write(rows)
    df = analytics.load([RECEIVED, ONTIME], areas=com["code"].tolist())
    assert len(df) == 2 * 3321
    prov = analytics.aggregate_areas(df, to="province")
    assert prov.height == 2 * 34
    got = {(r["indicator"], r["area"]): r["value"] for r in prov.iter_rows(named=True)}
    assert got[(RECEIVED, "12")] == pytest.approx(400)
    assert got[(ONTIME, "12")] == pytest.approx(87.0)
    assert got[(RECEIVED, "01")] == pytest.approx(1260)  # Hà Nội's 126 communes
    assert got[(ONTIME, "01")] == pytest.approx(90.0)
    nation = analytics.aggregate_areas(df, to="nation")
    got = {r["indicator"]: r["value"] for r in nation.iter_rows(named=True)}
    assert got[RECEIVED] == pytest.approx(33230)
    assert got[ONTIME] == pytest.approx((33200 * 90 + 30 * 50) / 33230)
    assert nation["n_areas"].to_list() == [34, 34]
    # one commune of Cà Mau missing: no Cà Mau total, so no national total either
    partial = df.filter(pl.col("area") != com.loc[com["parent"] == "96", "code"].iloc[0])
    prov = analytics.aggregate_areas(partial, to="province")
    assert "96" not in prov["area"].to_list() and prov.height == 2 * 33
    assert analytics.aggregate_areas(partial, to="nation").is_empty()
    loose = analytics.aggregate_areas(partial, to="nation", complete=False)
    assert loose.filter(pl.col("indicator") == RECEIVED)["value"][0] == pytest.approx(33220)
    # a province's own row wins over its communes' total; regions add up the same way
    own = pl.concat(
        [
            df.filter(pl.col("indicator") == RECEIVED),
            df.filter(pl.col("indicator") == RECEIVED, pl.col("area") == odd).with_columns(
                area=pl.lit("12"), value=pl.lit(1000.0)
            ),
        ]
    )
    assert analytics.aggregate_areas(own, to="nation")["value"][0] == pytest.approx(
        33230 - 400 + 1000
    )
    region = analytics.aggregate_areas(df.filter(pl.col("indicator") == RECEIVED), to="region")
    parent = analytics.areas().set_index("code")["parent"]
    r1 = [p for p, r in parent.items() if r == "R1"]
    expected = sum(len(com[com["parent"] == p]) * 10 for p in r1) + 20  # Lai Châu is in R1
    assert region.filter(pl.col("area") == "R1")["value"][0] == pytest.approx(expected)


def nris(store_folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` on ``store_folder`` through ``main()`` (the exit status and output a process
    would give; starting one per call only repeated the imports)."""
    return run_main({**os.environ, "NRIS_STORE": str(store_folder)}, *args)


@pytest.fixture(scope="module")
def hue_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Huế's People's Committee files September 2025 for 37 of its 40 communes, one of them
    without its on-time rate; births = 1, 2, 3 ... in the form's order.

    Built once for the module's readers (neither test writes to the store)."""
    tmp_path = tmp_path_factory.mktemp("hue")
    folder = tmp_path / "store"
    header, table = templates.template_frame("BC_XA_THANG", "2025-09", "UBND_46")
    communes = list(dict.fromkeys(table["area"]))
    assert len(communes) == 40
    late, partial = communes[-3:], communes[0]
    grid = templates._grid(header, table)
    kept = []
    for row in grid:
        if len(row) > 6 and isinstance(row[0], int):
            code, area = row[1], row[3]
            if area in late or (area == partial and code == ONTIME):
                continue
            row[5] = {BIRTHS: communes.index(area) + 1, RECEIVED: 100, ONTIME: 95}[code]
            row[3] = str(int(area))  # as Excel shows a code typed as a number: no leading zeros
        kept.append(row)
    stranger = [99, BIRTHS, "", "00070", "", 5, None, None]  # Hoàn Kiếm is Hà Nội's
    refused = nris(folder, "submit", str(write_csv(tmp_path / "hue-bad.csv", [*kept, stranger])))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "area 00070 is not covered by agency UBND_46 under regime BC_XA_THANG" in refused.stdout
    done = nris(folder, "submit", str(write_csv(tmp_path / "hue.csv", kept)))
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, {"communes": communes, "late": late, "partial": partial}


@pytest.fixture
def hue(hue_store: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> dict:
    """Huế's store (``hue_store``) as this test's store."""
    folder, facts = hue_store
    monkeypatch.setenv("NRIS_STORE", str(folder))
    return facts


def test_a_province_files_its_communes_and_their_completeness(hue: dict) -> None:
    births = analytics.load(BIRTHS, areas=hue["communes"])
    assert births.height == 37 and set(births["agency"]) == {"UBND_46"}
    assert births.filter(pl.col("area") == hue["communes"][4])["value"][0] == 5.0
    comp = analytics.commune_completeness("46")
    assert str(comp["period"].iloc[0]) == "2025-09-01"
    assert comp["state"].value_counts().to_dict() == {"complete": 36, "missing": 3, "partial": 1}
    states = comp.set_index("area")["state"]
    assert sorted(states[states == "missing"].index) == sorted(hue["late"])
    assert states[hue["partial"]] == "partial"
    assert comp.set_index("area").loc[hue["partial"], "reported"] == 2
    assert list(comp["state"][:3]) == ["missing"] * 3  # who has not reported comes first
    # one indicator: the 37 that sent births; the province total only with all 40
    births_only = analytics.commune_completeness("46", "2025-09", indicators=[BIRTHS])
    assert (births_only["state"] == "complete").sum() == 37
    assert analytics.aggregate_areas(births, to="province").is_empty()
    loose = analytics.aggregate_areas(births, to="province", complete=False)
    assert loose["value"][0] == sum(range(1, 38)) and loose["n_areas"][0] == 37
    # a province with no commune figures: all missing, in the latest month any province filed
    hcm = analytics.commune_completeness("79")
    assert (hcm["state"] == "missing").all() and len(hcm) == 168


def test_province_page_lists_the_communes(hue: dict) -> None:
    from workbench.briefings.pages.provinces import Provinces

    def text(w: object) -> str:
        parts = [str(getattr(w, "value", ""))]
        return " ".join(parts + [text(c) for c in getattr(w, "children", ())])

    names = analytics.catalog().communes("46").set_index("code")
    page = Provinces(poll=0, province="46", commune_indicator=BIRTHS)
    body = text(page.body)
    assert "Xã, phường, đặc khu của Thành phố Huế" in body
    assert "37/40 xã, phường đã báo cáo" in body and "tính chung 37/40 xã: 703 trường hợp" in body
    table = body[body.index('class="nris-communes"') :]
    for code in hue["communes"]:
        assert names.loc[code, "name_vi"] in table
    # ranked by value: the commune with 37 births first, the three late ones last, not reported
    rows = table.split("<tr>")[2:]
    assert names.loc[hue["communes"][36], "name_vi"] in rows[0] and ">1<" in rows[0]
    assert all("chưa có báo cáo" in r for r in rows[-3:])
    page.lang_switch.value = "en"
    body = text(page.body)
    assert "Communes and wards of Hue" in body and "37 of 40 communes and wards reported" in body
    assert names.loc[hue["communes"][0], "name_en"] in body
    page.province.value = "79"  # not among the provinces filing communes
    assert "does not file commune figures yet" in text(page.body)


def test_commune_codes_typed_as_numbers_are_communes(empty_store: Path, tmp_path: Path) -> None:
    """Hà Nội's form as Excel shows it: Phường Ba Đình (00004) as 4, which outside a commune
    regime would read as province 04 (Cao Bằng)."""
    header, table = templates.template_frame("BC_XA_THANG", "2025-09", "UBND_01")
    assert "00004" in set(table["area"])
    grid = templates._grid(header, table)
    for row in grid:
        if len(row) > 6 and isinstance(row[0], int):
            row[3], row[5] = int(row[3]), 1
    checked = nris(empty_store, "submit", "--check", str(write_csv(tmp_path / "hanoi.csv", grid)))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert analytics.resolve_areas("4") == ["04"]  # anywhere else: a province
