"""Narrative sentences and the cached target outlook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


def test_target_status_thresholds() -> None:
    from workbench.outlook import status_of

    assert [status_of(p) for p in (0.9, 0.7, 0.5, 0.29, None)] == [
        "on_track",
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
    ]


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
