"""Who may write what: regimes' coverage, the authoritative source of each series, bound senders.

Driven through the ``nris`` CLI on a private copy of the demo store: its ``main()`` in this process
(fast), and as a real child process where the exit status and output a shell sees are checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_main
from test_ingest_helpers import copy_store, form_grid, write_csv

import analytics
from analytics import senders
from analytics.catalog import load_catalog

NRIS = [sys.executable, "-m", "workbench.cli"]
CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog"


@pytest.fixture
def env(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    monkeypatch.setenv("NRIS_SENDERS", str(tmp_path / "senders.yml"))
    return {**os.environ}


def nris_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` as a real child process."""
    return subprocess.run([*NRIS, *args], env=env, capture_output=True, text=True, timeout=600)


def nris(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` through ``main()`` in this process."""
    return run_main(env, *args)


def cpi(area: str, source: str | None = None) -> list[tuple[str, float]]:
    df = analytics.load("CPI", areas=area, start="2022-07", end="2022-07", source=source)
    return list(zip(df["agency"], df["value"], strict=True))


def nso_form_with(row: list) -> list[list]:
    grid = form_grid("NSO", "TK_KTXH_THANG", "2022-07")
    grid.append(row)
    return grid


def test_nso_row_for_a_province_never_replaces_the_province(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The reproducer: TK_KTXH_THANG with an extra row CPI | 79 | 999."""
    province = form_grid("UBND_79")
    hcm = next(r for r in province if len(r) > 6 and r[1] == "CPI")[5]
    nso = write_csv(tmp_path / "nso.csv", nso_form_with([99, "CPI", "", "79", "", 999.0, None]))
    # NSO first: its figure is stored as NSO's own series, the consolidated view has none yet.
    p = nris(env, "submit", str(nso))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "the consolidated figure is UBND_79's; NSO's is kept as its own series" in p.stdout
    assert cpi("79") == []
    assert cpi("79", source="NSO") == [("NSO", 999.0)]
    # The province reports: its figure is the latest, whatever arrives after it from NSO.
    p = nris(env, "submit", str(write_csv(tmp_path / "hcm.csv", province)))
    assert p.returncode == 0, p.stdout
    assert cpi("79") == [("UBND_79", hcm)]
    resent = nso_form_with([99, "CPI", "", "79", "", 998.0, None])
    assert nris(env, "submit", str(write_csv(tmp_path / "nso2.csv", resent))).returncode == 0
    assert cpi("79") == [("UBND_79", hcm)]
    assert cpi("79", source="NSO") == [("NSO", 998.0)]
    out = nris(env, "load", "CPI", "--area", "79", "--start", "2022-07", "--source", "NSO")
    assert "998" in out.stdout
    # NSO's national CPI is NSO's own: the consolidated national figure is the one it sent.
    assert cpi("VN")[0][0] == "NSO"


def test_rows_outside_a_regimes_coverage_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    grid = form_grid("CUSTOMS", "TK_HAIQUAN_THANG", "2022-07")
    grid.append([99, "EXPORTS", "", "79", "", 1.0, None])
    p = nris(env, "submit", str(write_csv(tmp_path / "customs.csv", grid)))
    assert p.returncode == 1
    assert "area 79 is not covered by agency CUSTOMS under regime TK_HAIQUAN_THANG" in p.stdout
    assert "địa bàn 79 không thuộc phạm vi báo cáo của CUSTOMS theo chế độ" in p.stdout
    assert analytics.load("EXPORTS", areas="79").is_empty()


def test_catalog_can_refuse_other_sources(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    with open(catalog / "authority.csv", "a", encoding="utf-8") as fh:
        fh.write("CPI,provinces,,refuse,provincial CPI from the provinces only\n")
    monkeypatch.setenv("NRIS_CATALOG", str(catalog))
    cat = load_catalog(catalog)
    assert cat.authoritative("CPI", "79") == ("UBND_79", "BC_KTXH_THANG", "refuse")
    assert cat.authoritative("CPI", "VN") == ("NSO", "TK_KTXH_THANG", "refuse")
    assert cat.authoritative("EXPORTS", "VN")[0] == "CUSTOMS"  # not MOIT, who repeats it
    nso = write_csv(tmp_path / "nso.csv", nso_form_with([99, "CPI", "", "79", "", 999.0, None]))
    p = nris({**env, "NRIS_CATALOG": str(catalog)}, "submit", str(nso))
    assert p.returncode == 1
    assert "CPI (79) is accepted from UBND_79 only (regime BC_KTXH_THANG)" in p.stdout
    assert cpi("79", source="NSO") == []


def test_senders_bound_to_inbox_or_user(env: dict[str, str], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox_hanoi"
    inbox.mkdir()
    config = tmp_path / "senders.yml"
    # Nothing configured: the file's word is taken, and the CLI says so.
    write_csv(inbox / "hanoi.csv", form_grid("UBND_01"))
    p = nris_process(env, "ingest", str(inbox))  # a real process: what a shell sees
    assert p.returncode == 0 and "no sender bindings configured" in p.stderr
    # The inbox is Hanoi's: a file naming Quảng Ninh there is refused, and so is --agency.
    config.write_text(f"inboxes:\n  {inbox}: UBND_01\n", encoding="utf-8")
    write_csv(inbox / "qn.csv", form_grid("UBND_22"))
    p = nris(env, "ingest", str(inbox))
    assert p.returncode == 1 and "no sender bindings" not in p.stderr
    assert "the file names agency 'UBND_22' but was submitted as 'UBND_01'" in (
        inbox / "rejected" / "qn.csv.report.txt"
    ).read_text("utf-8")
    p = nris_process(env, "ingest", str(inbox), "--agency", "UBND_22")
    assert p.returncode == 2
    assert f"--agency UBND_22: inbox {inbox} may submit for UBND_01 only" in p.stderr
    # Neither this folder nor this user is bound: refused outright.
    other = tmp_path / "elsewhere"
    other.mkdir()
    form = write_csv(other / "nso.csv", form_grid("NSO", "TK_KTXH_THANG", "2022-07"))
    p = nris(env, "submit", str(form), "--agency", "NSO")
    assert p.returncode == 2 and f"binds neither user '{senders.os_user()}'" in p.stderr
    # The OS user bound to NSO and Customs: NSO's file goes in; a province's file is refused.
    config.write_text(f"users:\n  {senders.os_user()}: [NSO, CUSTOMS]\n", encoding="utf-8")
    assert nris(env, "submit", str(form)).returncode == 0
    subs = analytics.submissions()  # the audit says who was checked, and how
    assert subs.loc[subs["file_name"] == "nso.csv", "source"].tolist() == [
        f"local: user {senders.os_user()}"
    ]
    assert subs.loc[subs["file_name"] == "qn.csv", "source"].tolist() == [f"local: inbox {inbox}"]
    p = nris(env, "submit", str(write_csv(other / "hcm.csv", form_grid("UBND_79"))))
    assert p.returncode == 1
    assert "the sender may submit for CUSTOMS, NSO only, not for UBND_79" in p.stdout
    # Bound to one agency, the file is checked against it as if --agency had been given.
    config.write_text(f"users:\n  {senders.os_user()}: NSO\n", encoding="utf-8")
    p = nris(env, "submit", str(other / "hcm.csv"))
    assert p.returncode == 1 and "but was submitted as 'NSO'" in p.stdout
    assert cpi("79") == []
