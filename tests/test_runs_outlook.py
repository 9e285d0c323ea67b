"""Narrative sentences and the cached target outlook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


def test_cpi_sentence_reads_like_a_gso_report() -> None:
    from analytics.narrative import indicator_sentence

    vi = indicator_sentence(
        "Chỉ số giá tiêu dùng (CPI)", "2026-10-01", 101.2, measure="index", prev=0.2, yoy=3.1
    )
    assert vi == (
        "Chỉ số giá tiêu dùng (CPI) tháng 10 tăng 0,2% so với tháng trước và tăng 3,1% "
        "so với cùng kỳ năm trước."
    )
    en = indicator_sentence(
        "Consumer price index (CPI)",
        "2026-10-01",
        101.2,
        measure="index",
        prev=-0.2,
        yoy=3.1,
        lang="en",
    )
    assert "down 0.2% on the previous month and up 3.1% year on year" in en


def test_flow_sentence_states_level_and_year_to_date() -> None:
    from analytics.narrative import indicator_sentence

    s = indicator_sentence(
        "Kim ngạch xuất khẩu",
        "2026-10-01",
        41993.0,
        "triệu USD",
        decimals=0,
        prev=-8.9,
        yoy=12.4,
        ytd=389715.0,
        ytd_yoy=9.45,
    )
    assert s.startswith("Kim ngạch xuất khẩu tháng 10 đạt 41.993 triệu USD, giảm 8,9%")
    assert "lũy kế 10 tháng đạt 389.715 triệu USD, tăng 9,4% so với cùng kỳ." in s
    assert "chưa có số liệu" in indicator_sentence("X", "2026-10-01", None)


def test_target_sentence_and_status() -> None:
    from analytics.narrative import target_sentence
    from workbench.outlook import status_of

    assert [status_of(p) for p in (0.9, 0.7, 0.5, 0.29, None)] == [
        "on_track",
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
    ]
    row = {
        "indicator": "GDP_GROWTH_YTD",
        "comparison": ">=",
        "value": 8.0,
        "value_hi": None,
        "projected": 7.1,
        "lo": 6.5,
        "hi": 7.6,
        "p_met": 0.05,
        "status": "off_track",
    }
    s = target_sentence(row, "Tăng trưởng GDP")
    assert s == (
        "Tăng trưởng GDP: mục tiêu từ 8,0 trở lên; dự báo cả năm 7,1 (khoảng 6,5–7,6), "
        "xác suất đạt 5%: khó đạt."
    )


def test_target_outlook_contract_and_cache(use_store: Path) -> None:
    from workbench.outlook import COLUMNS, cache_dir, target_outlook

    out = target_outlook(2025, kind="NA_GOV", models="snaive", n_windows=1)
    assert list(out.columns) == COLUMNS
    assert set(out["kind"]) == {"NA_GOV"} and (out["year"] == 2025).all()
    assert set(out["status"]) <= {"on_track", "at_risk", "off_track", "no_data"}
    got = out.dropna(subset=["p_met"])
    assert len(got) and got["p_met"].between(0, 1).all()
    assert (got["lo"] <= got["projected"]).all() and (got["projected"] <= got["hi"]).all()
    files = list(cache_dir().glob("snapshot-*-2025-*.parquet"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    again = target_outlook(2025, kind="NA_GOV", models="snaive", n_windows=1)
    pd.testing.assert_frame_equal(again, out)
    assert files[0].stat().st_mtime_ns == stamp  # read from the cache, not recomputed
    assert target_outlook(2031).empty


def test_unknown_target_kind_is_a_user_error(use_store: Path) -> None:
    from analytics.errors import NrisError
    from workbench.outlook import target_outlook

    with pytest.raises(NrisError, match="unknown target kind"):
        target_outlook(2025, kind="NA")


def test_report_figures_fall_back_to_the_latest_reported_period(use_store: Path) -> None:
    from analytics import report
    from analytics.errors import NrisError

    fig = report.figures("VN", "2022-09", "M", indicators=["EXPORTS", "CPI_YOY"])
    assert set(fig["period"].cast(str)) == {"2022-06-01"}
    assert set(fig["requested"].cast(str)) == {"2022-09-01"}
    exports = fig.filter(fig["indicator"] == "EXPORTS").row(0, named=True)
    assert exports["ytd"] is not None and exports["yoy"] is not None
    assert fig.filter(fig["indicator"] == "CPI_YOY")["yoy"].is_null().all()
    nine = report.figures("VN", "2021", "9M", indicators=["EXPORTS", "GDP_GROWTH_YTD"])
    assert len(nine) == 2 and set(nine["span"]) == {"9M"}
    with pytest.raises(NrisError):
        report.figures("VN", "2010-01", "M", indicators=["EXPORTS"])


def test_target_outlook_is_computed_once_when_asked_at_once(
    use_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Briefing kernels that see a new snapshot together wait for one computation, not repeat it."""
    import threading
    import time

    from workbench import outlook

    calls: list[int] = []
    real = outlook._compute

    def slow(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(1)
        time.sleep(0.5)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outlook, "_compute", slow)
    results: list[pd.DataFrame] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(outlook.target_outlook(2025, models="naive", n_windows=1))
        )
        for _ in range(3)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1 and len(results) == 3
    for other in results[1:]:
        pd.testing.assert_frame_equal(other, results[0])
