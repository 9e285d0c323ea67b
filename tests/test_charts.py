"""The one chart module: frame contract, the page's language, one palette (reports and briefings)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics import charts
from analytics.errors import NrisError

RULE = re.compile(r'<line[^>]*aria-roledescription="rule mark"[^>]*stroke="(#[0-9a-f]{6})"')


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def _history(n: int = 14, start: str = "2025-01-01", base: float = 48_000.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": "EXPORTS|VN",
            "ds": pd.date_range(start, periods=n, freq="MS"),
            "y": [base + 500.0 * i for i in range(n)],
        }
    )


def _forecast(start: str = "2026-03-01") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": "EXPORTS|VN",
            "ds": pd.date_range(start, periods=3, freq="MS"),
            "ets": [55_000.0] * 3,
            "ets-lo-80": [52_000.0] * 3,
            "ets-hi-80": [58_000.0] * 3,
            "ets-lo-95": [40_000.0] * 3,
            "ets-hi-95": [90_000.0] * 3,
        }
    )


def test_vietnamese_chart_groups_with_dots_and_names_months_in_vietnamese() -> None:
    vi = _texts(charts.to_svg(charts.plot_series(_history(), lang="vi")))
    en = _texts(charts.to_svg(charts.plot_series(_history(), lang="en")))
    assert "50.000" in vi and "50,000" not in vi
    assert "Thg 3" in vi and "Thg 10" in vi and "Mar" not in vi
    assert "50,000" in en and "50.000" not in en
    assert "Mar" in en and "Oct" in en and "Thg 3" not in en
    # the year at January, on a six-year chart as on a one-year one
    long = _texts(charts.to_svg(charts.plot_series(_history(72, "2017-01-01"), lang="vi")))
    assert {"2018", "2020", "2022"} <= set(long) and "Thg 7" in long
    # legends in the page's language
    assert "Dự báo" in _texts(charts.to_svg(charts.plot_series(_history(), _forecast())))
    assert "Forecast" in _texts(
        charts.to_svg(charts.plot_series(_history(), _forecast(), lang="en"))
    )


def test_decimal_comma_in_vietnamese_whatever_the_process_locale() -> None:
    small = _history(base=1.0).assign(y=[1.0 + 0.25 * i for i in range(14)])
    vi = _texts(charts.to_svg(charts.plot_series(small, lang="vi")))
    en = _texts(charts.to_svg(charts.plot_series(small, lang="en")))
    assert "1,5" in vi and "1.5" not in vi
    assert "1.5" in en and "1,5" not in en
    assert charts.locale("vi")["number"] | {"currency": None} == {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": None,
    }


def test_frame_contract_refuses_a_frame_without_ds_or_y() -> None:
    tidy = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=3, freq="MS"), "v": 1.0})
    with pytest.raises(NrisError, match=r"thiếu cột ds, y.*\| chart frame \(df\) lacks column"):
        charts.plot_series(tidy)
    with pytest.raises(NrisError, match=r"lacks column\(s\) y;"):
        charts.plot_series(tidy.rename(columns={"period": "ds"}))
    # the same frame is accepted when its columns are named
    chart = charts.plot_series(tidy, time_col="period", target_col="v")
    assert "<svg" in charts.to_svg(chart)
    # a forecast frame lacking the asked interval, or the model, is refused the same way
    with pytest.raises(NrisError, match=r"forecasts_df\) lacks column\(s\) ets-lo-90, ets-hi-90"):
        charts.plot_series(_history(), _forecast(), level=[90])
    with pytest.raises(NrisError, match=r"lacks column\(s\) theta"):
        charts.plot_series(_history(), _forecast(), models=["theta"])
    two = pd.concat([_history(), _history().assign(unique_id="EXPORTS|01")])
    with pytest.raises(NrisError, match="draws one series; df holds 2"):
        charts.plot_series(two, _forecast())


def test_interval_band_comes_from_the_lo_hi_columns() -> None:
    fc = _forecast()
    spec = charts.plot_series(_history(), fc, level=[80]).to_dict()
    areas = [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]
    assert len(areas) == 1
    band = pd.DataFrame(spec["datasets"][areas[0]["data"]["name"]])
    assert band["lo"].tolist() == fc["ets-lo-80"].tolist()
    assert band["hi"].tolist() == fc["ets-hi-80"].tolist()
    # every level the frame holds by default, widest first; the 95% bound stretches the axis
    spec = charts.plot_series(_history(), fc).to_dict()
    areas = [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]
    highs = [pd.DataFrame(spec["datasets"][a["data"]["name"]])["hi"].iloc[0] for a in areas]
    assert highs == [90_000.0, 58_000.0]
    assert "90.000" in _texts(charts.to_svg(charts.plot_series(_history(), fc)))
    assert "90.000" not in _texts(charts.to_svg(charts.plot_series(_history(), fc, level=[80])))


def test_several_series_are_lines_named_by_their_id() -> None:
    two = pd.concat([_history().assign(unique_id="Việt Nam"), _history(base=30_000.0)])
    two["unique_id"] = two["unique_id"].replace("EXPORTS|VN", "Hà Nội")
    spec = charts.plot_series(two, lang="vi").to_dict()
    # colours in the order the series come (not alphabetical): the first takes the first colour
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale == {"domain": ["Việt Nam", "Hà Nội"], "range": list(charts.SERIES[:2])}
    svg = charts.to_svg(charts.plot_series(two, lang="vi"))
    assert "Việt Nam" in _texts(svg) and "Hà Nội" in _texts(svg)
    assert svg.count('aria-roledescription="line mark"') == 2


def _catalog_with_2022_target(tmp_path: Path) -> Path:
    """The shipped catalog plus a 2022 CPI target (the demo store ends in June 2022)."""
    folder = tmp_path / "catalog"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "catalog", folder)
    with (folder / "targets.csv").open("a", encoding="utf-8") as f:
        f.write("T2022_CPI,NA_GOV,QH,GOV,CPI_YTD_AVG,VN,2022,<=,4.0,,,test,1,test target\n")
    return folder


def test_target_line_has_the_one_palette_colour_in_reports_and_briefings(
    use_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import IPython.display

    from workbench import outlook
    from workbench.briefings.pages.indicator import Indicator

    monkeypatch.setenv("NRIS_CATALOG", str(_catalog_with_2022_target(tmp_path)))
    target = charts.PALETTE["target"]
    # the indicator forecast report
    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, *a, **k: shown.append(obj))
    res = outlook.indicator_forecast(
        "CPI_YTD_AVG", "VN", h=3, models=["snaive"], n_windows=1, start="2019-01"
    )
    outlook.show_indicator_forecast(res, "vi")
    report_svgs = [charts.to_svg(o) for o in shown if type(o).__module__.startswith("altair")]
    assert report_svgs and RULE.findall(report_svgs[0]) == [target]
    # the briefing's indicator page
    page = Indicator(poll=0, indicator="CPI_YTD_AVG")
    briefing = next(
        str(w.value) for w in _widgets(page.body) if "nris-series" in str(getattr(w, "value", ""))
    )
    assert RULE.findall(briefing) == [target]
    assert "Mục tiêu" in _texts(briefing) and "Mục tiêu" in _texts(report_svgs[0])


def _widgets(widget: object) -> list[object]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _widgets(child)
    return out
