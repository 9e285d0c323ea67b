"""The CLI as cron, systemd and Vietnamese desktops run it: no locale, C, C.UTF-8 and vi_VN.UTF-8.

``holidays`` names days in the locale's language, Python's ``strftime`` follows it, and cron runs
with none at all; each run here is a real ``nris`` process with only the chosen locale set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

NRIS = str(Path(sys.executable).with_name("nris"))
LOCALES = [None, "C", "C.UTF-8", "vi_VN.UTF-8"]


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


def _nris(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    out = subprocess.run([NRIS, *args], env=env, capture_output=True, text=True, timeout=timeout)
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text[-2000:]
    assert out.returncode == 0, text[-2000:]
    return out.stdout


def _fill(template: Path) -> Path:
    """The template with every value set to its previous period's figure (or 1)."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        if isinstance(row[0].value, int) and len(row) > 6:
            row[5].value = row[6].value if row[6].value is not None else 1.0
    wb.save(template)
    return template


def test_vietnamese_locale_is_installed() -> None:
    """.ci/run generates it; without it the vi_VN runs below would test the C locale twice."""
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    assert "vi_vn.utf8" in out.lower().replace("-", "")


@pytest.mark.slow
@pytest.mark.parametrize("lang", LOCALES, ids=lambda v: v or "unset")
def test_cli_under_locale(lang: str | None, tmp_path: Path) -> None:
    env = _env(lang, tmp_path)
    assert "2016" in _nris(env, "demo", "--end", "2016-03")
    summary = _nris(env, "summary")
    assert "Tháng 03/2016" in summary and "so với cùng kỳ năm trước" in summary
    assert "(số liệu đến " in summary and "T" not in summary.rsplit("(số liệu đến ", 1)[1][:16]
    english = _nris(env, "summary", "--lang", "en")
    assert "March 2016" in english  # not the locale's month name
    form = tmp_path / "form.xlsx"
    _nris(env, "template", "BC_KTXH_THANG", "--period", "2016-03", "--agency", "UBND_04",
          "--out", str(form))  # fmt: skip
    result = _nris(env, "submit", str(_fill(form)), "--agency", "UBND_04")
    assert "UBND_04" in result
    fc = subprocess.run(
        [sys.executable, "-c",
         "import analytics, forecasts; "
         "df = forecasts.to_nixtla(analytics.load('EXPORTS', areas='VN')); "
         "fc = forecasts.forecast(df, h=3, models='ridge'); "
         "print(round(float(df['tet'].sum()), 3), len(fc))"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert fc.returncode == 0, fc.stderr[-2000:]
    tet_total, rows = fc.stdout.split()
    assert float(tet_total) > 0 and rows == "3"  # Tết found in the history (Feb 2015, Feb 2016)


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("lang", [None, "vi_VN.UTF-8"], ids=lambda v: v or "unset")
def test_scheduled_report_under_locale(lang: str | None, tmp_path: Path) -> None:
    env = _env(lang, tmp_path)
    _nris(env, "demo", "--end", "2016-03")
    _nris(env, "run", "monthly_report", "--period", "2016-03", "--no-progress", timeout=600)
    html = next((tmp_path / "reports" / "monthly_report" / "2016-03").glob("*.html"))
    text = html.read_text(encoding="utf-8")
    assert "tháng 3/2016" in text and "Traceback" not in text
