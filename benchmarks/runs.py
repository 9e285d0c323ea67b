"""Benchmark of the papermill runs: the province report for all 34 provinces.

Prints (1) wall time of the 34-province fan-out with 1 worker and with 2, and their ratio, and
(2) the papermill overhead per notebook (child process, kernel start, parameter injection, HTML)
against executing the same report code as a plain Python function in this process, as a ratio.
Everything runs in one process against a demo store in a temporary folder (or ``$NRIS_STORE``).

    .venv/bin/python benchmarks/runs.py [--provinces 34] [--skip-serial]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

PARAMS = {"chart_years": 1, "targets": False, "rank_by": ["RETAIL_SALES"]}


def _render(obj: object) -> str:
    """What the kernel does with a displayed object: SVG for charts, HTML for tables."""
    import vl_convert as vlc

    if hasattr(obj, "to_json") and type(obj).__module__.startswith("altair"):
        return vlc.vegalite_to_svg(obj.to_json())  # type: ignore[attr-defined]
    return obj.to_html() if hasattr(obj, "to_html") else repr(obj)  # type: ignore[attr-defined]


def plain_province_report(area: str, period: str) -> None:
    """The province notebook's calls as a plain function (display goes to a null sink)."""
    from analytics import catalog, report

    report._show = _render  # type: ignore[assignment]  # render as the kernel would
    report._md = lambda text: None  # type: ignore[assignment]
    with contextlib.redirect_stdout(io.StringIO()):
        report.setup()
        catalog().areas.set_index("code").loc[area, "name_vi"]
        fig = report.figures(area, period, "M")
        report.show_domains(fig, "vi", PARAMS["chart_years"], area)
        for code in PARAMS["rank_by"]:
            report.show_ranking(code, area, fig["period"][0], "yoy", "vi")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--provinces", type=int, default=34)
    ap.add_argument("--skip-serial", action="store_true", help="only the 2-worker fan-out")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nris-bench-runs-"))
    if "NRIS_STORE" not in os.environ:
        os.environ["NRIS_STORE"] = str(tmp / "store")
        from analytics.demo import build_demo

        build_demo(end="2024-06")
    from analytics import catalog
    from analytics.calendar import period_key
    from workbench import runs
    from workbench.jobs import JobSpec, latest_period

    areas = catalog().provinces()["code"].tolist()[: args.provinces]
    nb = Path(__file__).resolve().parent.parent / "notebooks" / "reports" / "province_report.ipynb"
    period = period_key(latest_period("M"), "M")
    print(f"machine: {os.cpu_count()} cores; {len(areas)} province reports for {period}")
    job = JobSpec(
        "bench_province", nb, "M", params=PARAMS, grid={"area": areas}, timeout=1800, retries=0
    )

    def fan_out(workers: int) -> float:
        os.environ["NRIS_REPORTS"] = str(tmp / f"reports-{workers}")
        t0 = time.perf_counter()
        res = runs.run_job(job, period, workers=workers, progress=False, index=False)
        dt = time.perf_counter() - t0
        bad = [r.name for r in res if r.status != "ok"]
        print(
            f"  {workers} worker(s): {dt:8.1f} s  ({dt / len(res):.1f} s per report)"
            + (f"  FAILED: {bad}" if bad else "")
        )
        return dt

    print("fan-out wall time")
    two = fan_out(2)
    if not args.skip_serial:
        one = fan_out(1)
        print(f"  speed-up 2 workers vs 1: {one / two:.2f}x")

    print("papermill overhead per notebook (one report, same code)")
    plain_province_report(areas[0], period)  # warm imports and caches, as a kernel would not be
    t0 = time.perf_counter()
    for a in areas[:3]:
        plain_province_report(a, period)
    plain = (time.perf_counter() - t0) / 3
    single = JobSpec("bench_single", nb, "M", params=PARAMS, timeout=1800, retries=0)
    os.environ["NRIS_REPORTS"] = str(tmp / "reports-single")
    t0 = time.perf_counter()
    for a in areas[:3]:
        runs.run_job(single, period, {"area": a}, workers=1, progress=False, index=False)
    pm = (time.perf_counter() - t0) / 3
    print(f"  plain function (warm):      {plain:6.2f} s")
    print(f"  papermill run + html:       {pm:6.2f} s")
    print(
        f"  overhead: {pm - plain:6.2f} s per notebook; ratio papermill / plain = {pm / plain:.1f}x"
    )


if __name__ == "__main__":
    main()
