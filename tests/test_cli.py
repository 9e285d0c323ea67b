"""The ``nris`` command: help on every subcommand, one-line bilingual errors, exit status 2.

Most cases run ``main()`` in this process (fast); a few run the installed entry point as a real
process, so the exit status a shell sees is checked too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


def nris_process(*args: str, store: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if store is not None:
        env["NRIS_STORE"] = str(store)
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, env=env
    )


@pytest.fixture
def nris(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """``nris ARGS`` through ``main()`` in this process, answered like a finished process."""
    from workbench.cli import main

    def run(*args: str, store: Path | None = None) -> subprocess.CompletedProcess:
        with monkeypatch.context() as m:
            if store is not None:
                m.setenv("NRIS_STORE", str(store))
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = int(exc.code or 0)
            out = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return run


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "lỗi" in lines[0] and "error" in lines[0]
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    "cmd",
    [[], ["demo"], ["catalog"], ["catalog", "list"], ["catalog", "show"], ["load"], ["summary"],
     ["alerts"], ["alerts", "list"], ["alerts", "ack"], ["alerts", "evaluate"], ["request"],
     ["request", "create"], ["request", "show"]],
)  # fmt: skip
def test_help(cmd, nris):
    result = nris(*cmd, "--help")
    assert result.returncode == 0
    assert "usage: nris" in result.stdout


def test_unknown_indicator(demo_store):  # as a real process: the status a shell sees
    assert_one_line_error(
        nris_process("load", "EXPORT", store=demo_store), "EXPORT", "nearest valid codes", "EXPORTS"
    )
    assert nris_process("--help").returncode == 0


def test_unknown_area(demo_store, nris):
    assert_one_line_error(nris("load", "CPI", "--area", "ZZ", store=demo_store), "'ZZ'")


def test_bad_date(demo_store, nris):
    assert_one_line_error(nris("load", "CPI", "--start", "tháng 13", store=demo_store), "--start")


def test_bad_output_suffix(demo_store, tmp_path, nris):
    assert_one_line_error(
        nris("load", "CPI", "--out", str(tmp_path / "x.json"), store=demo_store), ".json"
    )


def test_output_folder_missing(demo_store, tmp_path, nris):
    assert_one_line_error(
        nris("load", "CPI", "--out", str(tmp_path / "no" / "x.csv"), store=demo_store),
        "does not exist",
    )


def test_no_store(tmp_path):  # as a real process
    assert_one_line_error(nris_process("summary", store=tmp_path / "empty"), "nris demo")


def test_catalog_show_unknown(nris):
    assert_one_line_error(nris("catalog", "show", "CPII"), "CPI")


def test_demo_refuses_non_empty_store(demo_store, nris):
    assert_one_line_error(nris("demo", store=demo_store), "--reset")
    ok = nris("demo", "--if-empty", store=demo_store)
    assert ok.returncode == 0


def test_load_exports_xlsx_and_transforms(demo_store, tmp_path, nris):
    out = tmp_path / "exports.xlsx"
    result = nris(
        "load",
        "EXPORTS",
        "--area",
        "VN",
        "--start",
        "2021-01",
        "--transform",
        "yoy",
        "--out",
        str(out),
        store=demo_store,
    )
    assert result.returncode == 0, result.stderr
    df = pd.read_excel(out)
    assert len(df) == 18 and df["unit"].unique().tolist() == ["%"]


def test_load_as_of_keeps_the_time_of_day(demo_store, tmp_path, nris):
    """``--as-of 2022-03-04T19:00`` is seven in the evening, not the day's midnight."""
    from analytics.load import vintages

    with pytest.MonkeyPatch.context() as m:
        m.setenv("NRIS_STORE", str(demo_store))
        official = vintages("CPI", "VN", "2022-01").sort("vintage")["vintage"][1]
    out = tmp_path / "cpi.csv"
    for minutes, status in [(-1, "preliminary"), (1, "official")]:
        when = (official + pd.Timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
        args = ["load", "CPI", "--area", "VN", "--start", "2022-01", "--end", "2022-01"]
        done = nris(*args, "--as-of", when, "--out", str(out), store=demo_store)
        assert done.returncode == 0, done.stderr
        assert pd.read_csv(out)["status"].tolist() == [status], when
    backwards = nris("load", "CPI", "--start", "2022-06", "--end", "2022-01", store=demo_store)
    assert_one_line_error(backwards, "is after the end")


def test_summary_and_catalog(demo_store, nris):
    result = nris("summary", store=demo_store)
    assert result.returncode == 0, result.stderr
    assert "Tháng 06/2022" in result.stdout and "DEMO" in result.stdout
    english = nris("summary", "--lang", "en", store=demo_store)
    assert "year on year" in english.stdout
    listing = nris("catalog", "list", "--domain", "labour", "--lang", "en")
    assert "UNEMPLOYMENT_RATE" in listing.stdout and "RETAIL_SALES" not in listing.stdout


DATA_LIBRARIES = ["duckdb", "holidays", "openpyxl", "pandas", "papermill", "polars"]


def _fresh(code: str) -> str:
    """What a new Python process prints: this one has every library loaded already."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_nris_starts_without_the_data_libraries() -> None:
    """``nris --help``, usage errors and the start of every command load none of them (each
    costs a process a tenth to a whole CPU-second); the commands import what they use."""
    code = (
        "import sys; from workbench.cli import build_parser; build_parser(); import analytics; "
        f"print(sorted(set({DATA_LIBRARIES!r}) & set(sys.modules)))"
    )
    assert _fresh(code) == "[]"


def test_package_functions_named_like_their_module_stay_functions() -> None:
    """``analytics.load`` and ``analytics.catalog`` are functions however the submodules of the
    same name were imported first; every public name resolves, to its submodule's object."""
    code = (
        "import analytics.load, analytics.catalog, sys, analytics\n"
        "from analytics.load import resolve_areas\n"
        "print(analytics.load is sys.modules['analytics.load'].load, "
        "analytics.catalog is sys.modules['analytics.catalog'].catalog)\n"
        "from analytics import load, catalog, store, transforms\n"
        "print(callable(load), callable(catalog), store.__name__, transforms.__name__)\n"
        "print(all(getattr(analytics, n) is getattr(sys.modules['analytics.' + analytics.EXPORTS[n]"
        "], n) for n in analytics.EXPORTS), set(analytics.__all__) == set(analytics.EXPORTS) | "
        "set(analytics.SUBMODULES), set(analytics.__all__) <= set(dir(analytics)))"
    )
    assert _fresh(code).splitlines() == [
        "True True",
        "True True analytics.store analytics.transforms",
        "True True True",
    ]
    with pytest.raises(AttributeError, match="no attribute 'nothere'"):
        import analytics

        analytics.nothere  # noqa: B018
