"""Processes that load Altair or the Jupyter stack do it without the iri parsers they never use
(``analytics.startup``): a CPU-second or two in every report run, kernel and Voilà server.

Each case is a fresh Python process: this one has everything loaded already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workbench import serve
from workbench.runs import execution


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


def test_yaml_text_reads_as_safe_load_does_and_fails_in_its_words() -> None:
    """``analytics.yamltext``: libyaml's values, the pure-Python loader's error messages (the
    C parser words them otherwise: "... not allowed in this context" for "... here")."""
    import yaml

    from analytics import paths, yamltext

    assert yaml.__with_libyaml__  # else the test below only checks safe_load against itself
    for path in (paths.catalog_dir() / "regimes.yml", paths.root() / "schedules.yml"):
        text = path.read_text(encoding="utf-8")
        assert yamltext.safe_load(text) == yaml.safe_load(text)
    value = "{a: [1, 2.5, x], b: 2026-10-01, c: null, d: 'Hà Nội', e: yes}"
    assert yamltext.safe_load(value) == yaml.safe_load(value)
    for bad in ("a: b: c", 'x: "\\q"', "a: [1, 2", "- a\nb: 1"):
        with pytest.raises(yaml.YAMLError) as fast:
            yamltext.safe_load(bad)
        with pytest.raises(yaml.YAMLError) as slow:
            yaml.safe_load(bad)
        assert (type(fast.value), str(fast.value)) == (type(slow.value), str(slow.value))
    assert "mapping values are not allowed here" in _raised(yamltext.safe_load, "a: b: c")


def _raised(func, arg) -> str:
    try:
        func(arg)
    except Exception as exc:  # noqa: BLE001 (the message is what is compared)
        return str(exc)
    return ""


def test_communes_come_from_the_package_data_file_as_from_its_objects(monkeypatch) -> None:
    """The catalog reads vietnam-provinces' ``nested-divisions.json`` rather than importing its
    3,321-member Enum: the same wards, kinds and provinces, in the same order; without the
    file (``find_spec`` finding no package folder) the package's objects give the same list."""
    import importlib.util

    import vietnam_provinces as vp

    from analytics.catalog import load_catalog  # noqa: F401 (the module, below)

    cat_module = sys.modules["analytics.catalog"]
    objects = [
        (int(w.code), w.name, str(w.division_type.value), int(w.province_code))
        for w in vp.Ward.iter_all()
    ]
    from_file = cat_module._wards()
    assert len(from_file) == 3321
    assert from_file == objects
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert cat_module._wards() == objects


def test_the_catalog_loads_without_importing_vietnam_provinces() -> None:
    code = (
        "import sys; from analytics import catalog\n"
        "cat = catalog(); communes = cat.areas[cat.areas['level'] == 'commune']\n"
        "print(len(communes), communes.iloc[0]['code'], 'vietnam_provinces' in sys.modules)"
    )
    assert _fresh(code) == "3321 00070 False"


def test_papermill_loads_without_pyarrow_fs_and_pyarrow_fs_still_imports() -> None:
    code = (
        "import sys; from analytics.startup import import_papermill\n"
        "pm = import_papermill(); import papermill.iorw as io\n"
        "print(pm.__name__, 'pyarrow' in sys.modules, 'numpy' in sys.modules,"
        " io.HadoopFileSystem.__name__ == 'HadoopFileSystem')\n"
        "import pyarrow.fs; print(pyarrow.fs.LocalFileSystem.__name__)"
    )
    assert _fresh(code).splitlines() == ["papermill False False False", "LocalFileSystem"]


def test_the_papermill_child_runs_a_notebook_without_pandas_or_the_calendar(tmp_path) -> None:
    """The child of every run (``python -m workbench.runs``) imports ``workbench.runs`` and
    papermill only: no pandas, numpy, pyarrow, calendar or schedules (0.3-0.5 CPU-s each run)."""
    from tiny_notebooks import write_notebook

    nb = write_notebook(tmp_path / "tiny.ipynb", "x = 1", "print(x * 2)")
    spec = {
        "input": str(nb), "output": str(tmp_path / "out.ipynb"), "params": {"x": 21},
        "cwd": str(tmp_path), "result": str(tmp_path / "result.json"), "timeout": 60,
    }  # fmt: skip
    code = (
        "import sys, json; from analytics.startup import skip_iri_parsers; skip_iri_parsers()\n"
        f"from workbench.runs import execution; execution._child({spec!r})\n"
        "print(open(" + repr(spec["result"]) + ").read())\n"
        "print([m for m in ('pandas', 'numpy', 'pyarrow', 'analytics.calendar', 'workbench.jobs')"
        " if m in sys.modules])"
    )
    env = {**os.environ, **execution._child_env()}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    result, loaded = done.stdout.strip().splitlines()[-2:]
    assert json.loads(result) == {"status": "ok", "error": ""}
    assert loaded == "[]"
    out = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    assert out["cells"][-1]["outputs"][0]["text"] == ["42\n"]


def test_nris_summary_reads_the_snapshot_without_duckdb(demo_store) -> None:
    """``nris summary`` reads the published snapshot: DuckDB (the write side) is not loaded."""
    code = (
        "import sys, os; from workbench.cli import main\n"
        f"os.environ['NRIS_STORE'] = {str(demo_store)!r}\n"
        "code = main(['summary'])\n"
        "print(code, 'duckdb' in sys.modules, 'vietnam_provinces' in sys.modules)"
    )
    assert _fresh(code).splitlines()[-1] == "0 False False"


def test_reports_rendered_in_one_thread_share_an_exporter_and_render_as_a_fresh_one(
    tmp_path,
) -> None:
    """``render_html`` keeps its exporter (compiled templates) per thread: the HTML of a
    second report is the one a fresh exporter writes; another thread has its own exporter."""
    import threading

    from tiny_notebooks import write_notebook

    first = write_notebook(tmp_path / "a.ipynb", "x = 1", "x", title="# Báo cáo **một**")
    second = write_notebook(tmp_path / "b.ipynb", "y = 2", "y", title="# Báo cáo *hai*")
    execution.render_html(first, tmp_path / "a.html", "A")
    kept = execution._html_exporter(threading.get_ident())
    execution.render_html(second, tmp_path / "b.html", "B")
    assert execution._html_exporter(threading.get_ident()) is kept
    execution._html_exporter.cache_clear()
    execution.render_html(second, tmp_path / "b-fresh.html", "B")
    html = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert html == (tmp_path / "b-fresh.html").read_text(encoding="utf-8")
    assert "<title>B</title>" in html and "<em>hai</em>" in html and "y = 2" not in html
    other: list = []
    thread = threading.Thread(
        target=lambda: other.append(execution._html_exporter(threading.get_ident()))
    )
    thread.start()
    thread.join()
    assert other[0] is not execution._html_exporter(threading.get_ident())


def test_nris_run_of_one_report_loads_no_pandas_in_its_parent(tmp_path) -> None:
    """``nris run JOB --period P`` (what the scheduler starts): reading the period, running one
    task, recording it and writing the index take no pandas, numpy or catalog (0.3 CPU-s)."""
    from tiny_notebooks import write_notebook

    nb = write_notebook(tmp_path / "tiny.ipynb", 'period = ""', "print(period)")
    (tmp_path / "schedules.yml").write_text(
        f"jobs:\n  tiny:\n    notebook: {nb}\n    freq: Q\n    retries: 0\n", encoding="utf-8"
    )
    env = {
        "NRIS_STORE": str(tmp_path / "store"),
        "NRIS_REPORTS": str(tmp_path / "reports"),
        "NRIS_SCHEDULES": str(tmp_path / "schedules.yml"),
    }
    code = (
        f"import sys, os; os.environ.update({env!r}); from workbench.cli import main\n"
        "code = main(['run', 'tiny', '--period', '2026-08', '--no-progress'])\n"
        "print(code, [m for m in ('pandas', 'numpy', 'analytics.catalog', 'forecasts.engine')"
        " if m in sys.modules])"
    )
    lines = _fresh(code).splitlines()
    assert lines[0].startswith("ok  tiny 2026-Q3 tiny (lần 1, ")
    assert lines[-1] == "0 []"
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert '<a href="tiny/2026-Q3/tiny.html">tiny</a>' in index
    assert (tmp_path / "reports" / "tiny" / "2026-Q3" / "tiny.html").exists()


def test_a_yaml_error_is_told_in_one_line_where_it_is(tmp_path, monkeypatch) -> None:
    """The catalog's regimes.yml and senders.yml: the line and column, not PyYAML's five lines."""
    import shutil

    from analytics import paths, senders
    from analytics.catalog import load_catalog
    from analytics.errors import CatalogError, NrisError

    folder = tmp_path / "catalog"
    shutil.copytree(paths.catalog_dir(), folder)
    (folder / "regimes.yml").write_text("- code: X\n  name: [a, b\n", encoding="utf-8")
    with pytest.raises(CatalogError) as regimes:
        load_catalog(folder)
    assert regimes.value.en == (
        "regimes.yml: YAML syntax error (line 3, column 1: expected ',' or ']', but got "
        "'<stream end>')"
    )
    bindings = tmp_path / "senders.yml"
    bindings.write_text("users:\n  lan: UBND_01\n lan2: UBND_02\n", encoding="utf-8")
    monkeypatch.setenv("NRIS_SENDERS", str(bindings))
    with pytest.raises(NrisError) as sent:
        senders.bindings()
    assert sent.value.en == (
        f"{bindings}: cannot be read (line 3, column 2: expected <block end>, but found "
        "'<block mapping start>')"
    )
