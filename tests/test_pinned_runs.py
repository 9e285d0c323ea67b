"""Publishing of runs: ``latest`` never moves backwards nor on a failed render; parameters are
checked against their declared choices before anything runs; report names are safe file names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tiny_notebooks import write_notebook

from analytics.errors import NrisError


def _notebook(folder: Path) -> Path:
    return write_notebook(
        folder / "tiny.ipynb",
        'period: str = ""  # set by the runner\n'
        'lang: str = "vi"  # vi or en\n'
        'area: str = "VN"  # VN, a region or a province code; "all": every area\n'
        'indicator: str = "CPI"  # indicator code\n'
        "rank_by: list = []  # indicators to rank",
        'print("report", period, lang, area)',
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store and reports of their own; a schedules file with the tiny job and a grid."""
    monkeypatch.setenv("NRIS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NRIS_REPORTS", str(tmp_path / "reports"))
    nb = _notebook(tmp_path)
    (tmp_path / "schedules.yml").write_text(
        f"jobs:\n  tiny:\n    notebook: {nb}\n    freq: M\n    timeout: 60\n    retries: 0\n"
        f"  spread:\n    notebook: {nb}\n    freq: M\n    grid: {{area: ['Hà Nội/../x']}}\n"
        "    retries: 0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NRIS_SCHEDULES", str(tmp_path / "schedules.yml"))
    return tmp_path


def test_latest_never_moves_backwards(env: Path) -> None:
    from workbench.runs import job_dir, switch_latest

    job_dir("tiny").mkdir(parents=True)
    link = job_dir("tiny") / "latest"
    switch_latest("tiny", "2026-08")
    switch_latest("tiny", "2026-07")  # a backfill of an older period
    assert os.readlink(link) == "2026-08"
    switch_latest("tiny", "2026-09")
    assert os.readlink(link) == "2026-09"
    assert [p.name for p in job_dir("tiny").iterdir()] == ["latest"]  # no temporary links left


@pytest.mark.notebook
def test_a_report_that_does_not_render_is_not_published(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import runs
    from workbench.jobs import get_job

    job = get_job("tiny")
    [good] = runs.run_job(job, "2026-07", progress=False)
    assert good.status == "ok"
    latest = runs.job_dir("tiny") / "latest"
    assert os.readlink(latest) == "2026-07"

    def broken(ipynb: Path, out: Path, title: str = "") -> Path:
        raise ValueError("template broke")

    monkeypatch.setattr(runs.publishing, "render_html", broken)
    [bad] = runs.run_job(job, "2026-08", progress=False)
    assert (bad.status, bad.error) == ("failed", "html: ValueError: template broke")
    assert os.readlink(latest) == "2026-07"
    assert not (runs.job_dir("tiny") / "2026-08").exists()
    assert list((runs.job_dir("tiny") / "failed" / "2026-08").glob("tiny-attempt1-*.ipynb"))


@pytest.mark.parametrize(
    ("param", "needle"),
    [
        ("lang=<img src=x onerror=alert(1)>", "parameter lang = '<img src=x onerror=alert(1)>'"),
        ("lang=fr", "is not valid; one of: vi | en"),
        ("area=ZZ", "unknown area (parameter area) 'ZZ'"),
        (
            "indicator=CPII",
            "unknown indicator (parameter indicator) 'CPII'; nearest valid codes: CPI",
        ),
        ("rank_by=[CPI, NOPE]", "unknown indicator (parameter rank_by) 'NOPE'"),
        ("period=2026-07", "the report period is set with --period, not -p period"),
        ("lang=\x1b[31mvi", "parameter lang = '?[31mvi'"),
    ],
)
def test_parameters_outside_their_choices_are_refused_before_anything_runs(
    env: Path, capsys: pytest.CaptureFixture, param: str, needle: str
) -> None:
    from workbench.cli import main
    from workbench.runs import run_history

    assert main(["run", "tiny", "--period", "2026-07", "-p", param]) == 2
    err = capsys.readouterr().err
    assert needle in err and "lỗi" in err
    assert len(err.strip().splitlines()) == 1 and "\x1b" not in err
    assert run_history().empty and not (env / "reports").exists()


def test_bad_period_and_unknown_job_exit_2(env: Path, capsys: pytest.CaptureFixture) -> None:
    from workbench.cli import main

    assert main(["run", "tiny", "--period", "2026-13"]) == 2
    assert "bad period '2026-13'" in capsys.readouterr().err
    assert main(["run", "tinny"]) == 2
    assert "unknown job 'tinny'; nearest valid codes: tiny" in capsys.readouterr().err


def test_choices_accept_what_the_notebook_offers(env: Path) -> None:
    from workbench.runs import validate_parameters

    nb = env / "tiny.ipynb"
    ok = validate_parameters(nb, {"lang": "en", "area": "79", "indicator": "EXPORTS"})
    assert ok == {"lang": "en", "area": "79", "indicator": "EXPORTS"}
    assert validate_parameters(nb, {"area": "all"}) == {"area": "all"}  # its help offers "all"
    assert validate_parameters(nb, {"rank_by": "[CPI, EXPORTS]"}) == {"rank_by": ["CPI", "EXPORTS"]}
    with pytest.raises(NrisError, match="unknown area"):
        validate_parameters(nb, {"area": "R9"})


def test_report_names_are_made_of_safe_characters(env: Path) -> None:
    from workbench.jobs import get_job, safe_name

    assert safe_name("Hà Nội") == "Ha-Noi"
    assert safe_name("Đắk Lắk") == "Dak-Lak"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("\x1b[31mred") == "31mred"
    assert safe_name("...") == "x"
    assert safe_name("79") == "79"
    job = get_job("spread")
    [task] = job.tasks()
    assert job.output_name(task) == "tiny_Ha-Noi-x"
