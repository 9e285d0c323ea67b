"""The CLI as cron, systemd and Vietnamese desktops run it: no locale, C, C.UTF-8 and vi_VN.UTF-8.

``holidays`` names days in the locale's language, Python's ``strftime`` follows it, and cron runs
with none at all. Under no locale and vi_VN.UTF-8 each step is a real ``nris`` process with only
that locale set (what the process sets up at start: C-locale coercion, UTF-8 mode, the streams'
encoding), and a scheduled report runs too. C and C.UTF-8 run the same steps through ``main()`` in
this process with the environment swapped and ``setlocale(LC_ALL, "")`` applied, as a library
calling it would (what is read when a command runs); their real processes would only repeat the
unset case, which Python coerces to C.UTF-8 too.
"""

from __future__ import annotations

import contextlib
import locale
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import run_main

NRIS = str(Path(sys.executable).with_name("nris"))
PROCESSES = [None, "vi_VN.UTF-8"]
IN_PROCESS = ["C", "C.UTF-8"]
FORECAST = (
    "import analytics, forecasts; "
    "df = forecasts.to_nixtla(analytics.load('EXPORTS', areas='VN')); "
    "fc = forecasts.forecast(df, h=3, models='ridge'); "
    "print(round(float(df['tet'].sum()), 3), len(fc))"
)


def _env(lang: str | None, root: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE", "NRIS_STORE", "NRIS_REPORTS")
    }
    env |= {"NRIS_STORE": str(root / "store"), "NRIS_REPORTS": str(root / "reports")}
    if lang:
        env["LANG"] = lang
    return env


def _checked(done: subprocess.CompletedProcess) -> str:
    text = done.stdout + done.stderr
    assert "Traceback" not in text, text[-2000:]
    assert done.returncode == 0, text[-2000:]
    return done.stdout


def _process(env: dict[str, str]) -> Callable[..., str]:
    def nris(*args: str, timeout: int = 300) -> str:
        run = subprocess.run(
            [NRIS, *args], env=env, capture_output=True, text=True, timeout=timeout
        )
        return _checked(run)

    return nris


def _in_process(env: dict[str, str]) -> Callable[..., str]:
    def nris(*args: str) -> str:
        return _checked(run_main(env, *args))

    return nris


def _fill(template: Path) -> Path:
    """The template with every value set to its previous period's figure (or 1)."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        if isinstance(row[0].value, int) and len(row) > 6:
            row[5].value = row[6].value if row[6].value is not None else 1.0
    wb.save(template)
    return template


def _cli_steps(nris: Callable[..., str], root: Path) -> None:
    """Demo data, the summary in both languages, a form written, filled and submitted."""
    assert "2016" in nris("demo", "--end", "2016-03")
    summary = nris("summary")
    assert "Tháng 03/2016" in summary and "so với cùng kỳ năm trước" in summary
    assert "(số liệu đến " in summary and "T" not in summary.rsplit("(số liệu đến ", 1)[1][:16]
    english = nris("summary", "--lang", "en")
    assert "March 2016" in english  # not the locale's month name
    form = root / "form.xlsx"
    nris("template", "BC_KTXH_THANG", "--period", "2016-03", "--agency", "UBND_04",
         "--out", str(form))  # fmt: skip
    result = nris("submit", str(_fill(form)), "--agency", "UBND_04")
    assert "UBND_04" in result


def _forecast_line(line: str) -> None:
    tet_total, rows = line.split()
    assert float(tet_total) > 0 and rows == "3"  # Tết found in the history (Feb 2015, Feb 2016)


def test_vietnamese_locale_is_installed() -> None:
    """.ci/run generates it; without it the vi_VN runs below would test the C locale twice."""
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    assert "vi_vn.utf8" in out.lower().replace("-", "")


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("lang", PROCESSES, ids=lambda v: v or "unset")
def test_cli_and_scheduled_report_as_processes_under_locale(
    lang: str | None, tmp_path: Path
) -> None:
    env = _env(lang, tmp_path)
    nris = _process(env)
    _cli_steps(nris, tmp_path)
    fc = subprocess.run(
        [sys.executable, "-c", FORECAST], env=env, capture_output=True, text=True, timeout=300
    )
    assert fc.returncode == 0, fc.stderr[-2000:]
    _forecast_line(fc.stdout)
    # a scheduled report: papermill, a kernel and the HTML export under the same locale
    nris("run", "monthly_report", "--period", "2016-03", "--no-progress", timeout=600)
    html = next((tmp_path / "reports" / "monthly_report" / "2016-03").glob("*.html"))
    text = html.read_text(encoding="utf-8")
    assert "tháng 3/2016" in text and "Traceback" not in text


@contextlib.contextmanager
def _locale_of(env: dict[str, str]) -> Iterator[None]:
    """This process with ``env`` as its environment and its locale set from it; both restored.

    The Tết caches are emptied on the way in and out: they were filled (and would be again) under
    another locale, and would hide what ``holidays`` answers under this one.
    """
    from analytics import calendar

    saved_env, saved_locale = dict(os.environ), locale.setlocale(locale.LC_ALL)
    os.environ.clear()
    os.environ.update(env)
    try:
        locale.setlocale(locale.LC_ALL, "")
        assert locale.setlocale(locale.LC_TIME) == env["LANG"]
        calendar.tet_days.cache_clear()
        calendar.tet_date.cache_clear()
        yield
    finally:
        locale.setlocale(locale.LC_ALL, saved_locale)
        os.environ.clear()
        os.environ.update(saved_env)
        calendar.tet_days.cache_clear()
        calendar.tet_date.cache_clear()


@pytest.mark.parametrize("lang", IN_PROCESS)
def test_cli_in_process_under_locale(lang: str, tmp_path: Path) -> None:
    import analytics
    import forecasts

    env = _env(lang, tmp_path)
    with _locale_of(env):
        _cli_steps(_in_process(env), tmp_path)
        df = forecasts.to_nixtla(analytics.load("EXPORTS", areas="VN"))
        with warnings.catch_warnings():  # 15 months are short for ridge: the process printed it
            warnings.simplefilter("ignore", forecasts.ForecastNotesWarning)
            fc = forecasts.forecast(df, h=3, models="ridge")
    _forecast_line(f"{float(df['tet'].sum())} {len(fc)}")
