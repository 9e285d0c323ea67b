"""Reporting forms: the right rows and header, Excel data validation, and they read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from test_ingest_helpers import copy_store

import analytics
from analytics import templates
from analytics.errors import NrisError
from analytics.ingest import check


def test_province_monthly_form(use_store: Path, tmp_path: Path) -> None:
    out = templates.write_template("BC_KTXH_THANG", "2022-07", "UBND_04", tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(out)["BaoCao"]
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert {"UBND_04", "BC_KTXH_THANG", "2022-07", "15/06/2022 - 14/07/2022"} <= cells
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    carried = analytics.catalog().regime_indicators.query("regime == 'BC_KTXH_THANG'")
    assert [r[1] for r in rows] == carried["indicator"].tolist()
    assert {r[3] for r in rows} == {"04"} and all(r[5] is None for r in rows)
    prev = analytics.load("CPI", "04", "2022-06", "2022-06", frame="pandas")["value"].iloc[0]
    assert next(r[6] for r in rows if r[1] == "CPI") == pytest.approx(prev)
    (dv,) = ws.data_validations.dataValidation
    assert (
        dv.type == "decimal" and str(dv.sqref) == f"F{ws.max_row - len(rows) - 1}:F{ws.max_row - 2}"
    )


@pytest.mark.parametrize(
    ("regime", "period", "agency", "obs_freq"),
    [
        ("TK_GDP_QUY", "2022-Q2", "NSO", {"Q"}),
        ("BC_KTXH_6THANG", "2022-H1", "UBND_01", {"Q", "M", "6M"}),
        ("TK_DANSO_GDP_NAM", "2021", "NSO", {"A"}),
    ],
)
def test_filled_forms_read_back(
    demo_store: Path, tmp_path: Path, monkeypatch, regime, period, agency, obs_freq
) -> None:
    monkeypatch.setenv("NRIS_STORE", str(copy_store(demo_store, tmp_path / "store")))
    for suffix in (".xlsx", ".csv"):
        out = templates.write_template(regime, period, agency, tmp_path / f"f{suffix}")
        _, table = templates.template_frame(regime, period, agency)
        templates.fill_template(
            out, {(c, a): 1.5 for c, a in zip(table["code"], table["area"], strict=True)}
        )
        checked, _ = check(out, received_at=dt.datetime(2022, 12, 30))
        assert not checked.errors, [i.line("en") for i in checked.errors]
        assert len(checked.obs) == len(table) and set(checked.obs["freq"]) <= obs_freq


def test_bad_requests_are_one_line_errors(use_store: Path, tmp_path: Path) -> None:
    with pytest.raises(NrisError, match="does not report under"):
        templates.write_template("BC_KTXH_THANG", "2022-07", "NSO", tmp_path / "f.xlsx")
    with pytest.raises(NrisError, match="does not match frequency"):
        templates.write_template("TK_GDP_QUY", "2022-07", "NSO", tmp_path / "f.xlsx")
    with pytest.raises(NrisError, match="regime"):
        templates.write_template("NOPE", "2022-07", "NSO", tmp_path / "f.xlsx")
    with pytest.raises(NrisError, match=".xlsx or .csv"):
        templates.write_template("TK_GDP_QUY", "2022-Q2", "NSO", tmp_path / "f.pdf")
