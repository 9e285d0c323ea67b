"""Processes that load Altair or the Jupyter stack do it without the iri parsers they never use
(``analytics.startup``): a CPU-second or two in every report run, kernel and Voilà server.

Each case is a fresh Python process: this one has everything loaded already.
"""

from __future__ import annotations

import subprocess
import sys

from workbench import serve


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_jsonschema_loads_without_the_iri_checkers_and_still_validates() -> None:
    code = (
        "import sys; from analytics.startup import skip_iri_parsers; first = skip_iri_parsers()\n"
        "import nbformat, papermill, nbconvert\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "import jsonschema._format as f; c = f.draft7_format_checker.checkers\n"
        "print(first, 'iri' in c, 'uri' in c, sys.modules['rfc3987_syntax'])"
    )
    assert _fresh(code) == "True False True None"  # iri checkers skipped, the others there


def test_too_late_once_jsonschema_is_loaded() -> None:
    code = (
        "import sys, jsonschema; from analytics.startup import skip_iri_parsers\n"
        "print(skip_iri_parsers(), sys.modules['rfc3987_syntax'] is not None)"
    )
    assert _fresh(code) == "False True"


def test_nris_and_offline_charts_skip_the_iri_parsers() -> None:
    nris = (
        "import sys; from workbench.cli import main\n"
        "try:\n    main(['--no-such-option'])\nexcept SystemExit:\n    pass\n"
        "import altair; print(sys.modules['rfc3987_syntax'])"
    )
    assert _fresh(nris) == "None"
    charts = (
        "import sys; from analytics import charts; charts.use_offline('svg'); import altair\n"
        "print(sys.modules['rfc3987_syntax'], altair.renderers.active)"
    )
    assert _fresh(charts) == "None svg"


def test_voila_is_started_with_the_parsers_skipped_first() -> None:
    argv = serve.voila_argv(serve.ServeOptions(port=9999), "")
    assert argv[:3] == [sys.executable, "-c", serve.VOILA_MAIN]
    code = serve.VOILA_MAIN
    assert code.index("skip_iri_parsers()") < code.index("workbench.briefings.server")
    stub = code.replace("main()", "print(sys.modules['rfc3987_syntax'], 'voila' in sys.modules)")
    assert _fresh("import sys; " + stub) == "None True"


def test_a_command_that_reads_no_store_loads_no_duckdb(tmp_path) -> None:
    """Every ``nris`` command looks for a killed writer's marker first (one stat): the store's
    libraries load only when it is there, or when the command itself reads the store."""
    code = (
        "import sys, os; from workbench.cli import main\n"
        f"os.environ['NRIS_STORE'] = {str(tmp_path / 'store')!r}\n"
        f"os.environ['NRIS_REPORTS'] = {str(tmp_path / 'reports')!r}\n"
        "code = main(['runs'])\n"
        "print(code, 'duckdb' in sys.modules, 'analytics.store' in sys.modules)"
    )
    assert _fresh(code).splitlines()[-1] == "0 False False"


def test_a_model_fit_loads_no_dask_dataframe_and_dask_still_imports() -> None:
    """``forecasts.nixtla``: statsforecast and utilsforecast load without ``dask.dataframe``
    (0.4 CPU-s per process), and a later ``import dask.dataframe`` is not refused."""
    code = (
        "import sys, numpy as np, pandas as pd, forecasts\n"
        "ds = pd.date_range('2020-01-01', periods=30, freq='MS')\n"
        "df = pd.DataFrame({'unique_id': 'a', 'ds': ds, 'y': 100 + np.arange(30.0) % 7})\n"
        "fc = forecasts.forecast(df, h=2, models='ets', n_jobs=1, progress=False)\n"
        "print(len(fc), 'dask.dataframe' in sys.modules, 'utilsforecast.compat' in sys.modules)\n"
        "import dask.dataframe\n"
        "print(dask.dataframe.DataFrame.__name__)"
    )
    assert _fresh(code).splitlines()[-2:] == ["2 False True", "DataFrame"]
