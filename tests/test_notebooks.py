"""Every notebook runs top to bottom on the demo store with small parameters.

A failing notebook fails the test with the notebook name, the cell source and the error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent / "notebooks"
SMALL = {
    "reports/quarterly_report.ipynb": {"span": "9M", "period": "2021", "chart_years": 1},
    "forecasts/indicator_forecast.ipynb": {
        "indicator": "EXPORTS", "h": 3, "models": ["snaive", "naive"], "n_windows": 1,
        "start": "2019-01",
    },
    "explore/indicator_explorer.ipynb": {"areas": ["VN", "01"], "start": "2021-01"},
    "explore/province_comparison.ipynb": {"measure": "yoy"},
    "explore/forecast_playground.ipynb": {"models": ["snaive", "naive"], "h": 3, "n_windows": 1},
}  # fmt: skip
RUNNER = {  # run through workbench.runs (parameters validated, offline HTML checked)
    "reports/monthly_report.ipynb": {"chart_years": 1, "targets": False},
    "reports/province_report.ipynb": {"area": "79", "chart_years": 1, "rank_by": ["RETAIL_SALES"]},
}


def test_every_notebook_is_covered_and_declares_documented_parameters() -> None:
    from workbench.runs import notebook_parameters

    found = {
        str(p.relative_to(ROOT)) for p in ROOT.glob("*/*.ipynb") if p.parent.name != "briefings"
    }
    assert found <= set(SMALL) | set(RUNNER)
    for rel in found:
        declared = notebook_parameters(ROOT / rel)
        assert declared, rel
        for name, d in declared.items():
            assert d["help"], f"{rel}: parameter {name} has no help comment"
        for name in {**SMALL, **RUNNER}[rel]:
            assert name in declared, f"{rel}: no parameter {name}"


def _execute(rel: str, params: dict, out: Path) -> None:
    import papermill as pm

    try:
        pm.execute_notebook(
            str(ROOT / rel),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=str((ROOT / rel).parent),
        )
    except pm.PapermillExecutionError as exc:
        import nbformat

        nb = nbformat.read(str(out), as_version=4)
        source = next(
            (c.source for c in nb.cells if c.get("execution_count") == exc.exec_count), ""
        )
        pytest.fail(f"{rel}: cell [{exc.exec_count}] failed:\n{source}\n{exc.ename}: {exc.evalue}")


@pytest.mark.parametrize("rel", sorted(SMALL))
def test_notebook_runs(
    rel: str, use_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernel is this venv's Python, whatever kernelspecs the user has elsewhere
    monkeypatch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
    out = tmp_path / Path(rel).name
    _execute(rel, SMALL[rel], out)
    assert out.exists()


@pytest.mark.parametrize("rel", sorted(RUNNER))
def test_report_through_runner_is_offline_html(
    rel: str, use_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from workbench import runs
    from workbench.jobs import JobSpec

    monkeypatch.setenv("NRIS_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setattr(runs.history, "history_path", lambda: tmp_path / "runs.sqlite")
    job = JobSpec(name=Path(rel).stem, notebook=ROOT / rel, freq="M", timeout=600, retries=0)
    [res] = runs.run_job(job, "2022-05", RUNNER[rel], progress=False)
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html), "remote script in report"
    assert not re.search(r"<link[^>]+href=[\"']?https?:", html), "remote stylesheet in report"
    assert "<svg" in html or "data:image/svg+xml" in html  # charts embedded as SVG
    assert "report.figures(" not in html  # code cells excluded
    assert "so với cùng kỳ năm trước" in html  # narrative in Vietnamese
    assert "05/2022" in html
