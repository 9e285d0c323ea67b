"""The inbox and ``nris submit`` against hostile files, driven through the real CLI: in real
processes where the process matters (peak memory, a planted bug, what reaches a terminal), through
``main()`` elsewhere.

Every inbox file is its own case (a failure rejects that file, audited, and the next one goes on);
input is bounded (a zip bomb and a giant CSV are refused early and in little memory); links are never
followed; control characters in file names reach the terminal escaped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import hostile_files
import pandas as pd
import pytest
from cli_helpers import run_main
from test_ingest_helpers import copy_store, data_rows, form_grid, write_csv, write_xlsx

import analytics
from analytics import ingest, store

# Runs the CLI as a child and reports the child's peak RSS: RUSAGE_CHILDREN of this wrapper
# covers that one child only, whatever the test process ran before.
MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rc": p.returncode, "out": p.stdout, "err": p.stderr, "peak_kb": peak}))
    """
)
NRIS = [sys.executable, "-m", "workbench.cli"]
PEAK_MB = 500


@pytest.fixture
def env(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private store copy, for this process and for the CLI children; no sender bindings."""
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    monkeypatch.setenv("NRIS_SENDERS", str(tmp_path / "no-senders.yml"))
    return {**os.environ, "NRIS_STORE": str(folder), "NRIS_SENDERS": str(tmp_path / "no.yml")}


def nris_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` as a real process: what a terminal gets, bytes and all."""
    return subprocess.run([*NRIS, *args], env=env, capture_output=True, text=True, timeout=600)


def nris(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` through ``main()``: its exit status and output, without a process's imports."""
    return run_main(env, *args)


def measured(env: dict[str, str], *args: str) -> dict:
    """Run ``nris args`` in a child; its exit code, output and peak resident memory in KB."""
    p = subprocess.run(
        [sys.executable, "-c", MEASURE, *NRIS, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def audit(file_name: str) -> pd.DataFrame:
    subs = analytics.submissions()
    return subs[subs["file_name"] == file_name]


def test_each_inbox_file_is_its_own_case(env: dict[str, str], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a_good.csv", form_grid("UBND_01"))
    write_csv(
        inbox / "b_long_field.csv", hostile_files.with_long_field(form_grid("UBND_04"), 200_000)
    )
    hostile_files.utf16_text(inbox / "c_unicode_text.txt", form_grid("UBND_08"))
    hostile_files.fifo(inbox / "d_pipe.csv")
    write_csv(inbox / "e_bug.csv", form_grid("UBND_11"))
    write_csv(inbox / "f_good.csv", form_grid("UBND_12"))
    (inbox / "g_corrupt.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(2000))
    # A bug in validation, raised for one file only: the child runs the real CLI with it planted.
    bug = textwrap.dedent(
        """
        import sys
        from analytics import ingest
        real = ingest.check
        def check(path, *a, **k):
            if str(path).endswith("e_bug.csv"):
                raise ZeroDivisionError("planted bug")
            return real(path, *a, **k)
        ingest.check = check
        from workbench.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    p = subprocess.run(
        [sys.executable, "-c", bug, "ingest", str(inbox)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 1, p.stderr  # some rejected; nothing stopped the run
    assert "Traceback" not in p.stderr + p.stdout
    assert "7 tệp | files: accepted 3, rejected 4" in p.stdout
    accepted = sorted(f.name for f in (inbox / "accepted").iterdir() if ".report." not in f.name)
    rejected = sorted(f.name for f in (inbox / "rejected").iterdir() if ".report." not in f.name)
    assert accepted == ["a_good.csv", "c_unicode_text.txt", "f_good.csv"]
    assert rejected == ["b_long_field.csv", "d_pipe.csv", "e_bug.csv", "g_corrupt.xlsx"]
    assert [f.name for f in inbox.iterdir() if f.is_file() or f.is_fifo()] == []
    reports = {
        name: json.loads((inbox / "rejected" / f"{name}.report.json").read_text("utf-8"))
        for name in rejected
    }
    assert {n: r["issues"][0]["kind"] for n, r in reports.items()} == {
        "b_long_field.csv": "unreadable",
        "d_pipe.csv": "unreadable",
        "e_bug.csv": "internal_error",
        "g_corrupt.xlsx": "unreadable",
    }
    assert "32.767" in reports["b_long_field.csv"]["issues"][0]["vi"]
    assert "32,767" in reports["b_long_field.csv"]["issues"][0]["en"]
    assert "ZeroDivisionError: planted bug" in reports["e_bug.csv"]["issues"][0]["en"]
    assert "not a regular file" in reports["d_pipe.csv"]["issues"][0]["en"]
    for name in rejected:  # every attempt audited, with the reason
        row = audit(name)
        assert row["status"].tolist() == ["rejected"], name
        assert reports[name]["issues"][0]["kind"] in row["reasons"].iloc[0]
    # Excel's Unicode Text export is read: UBND_08's values are in the snapshot.
    got = analytics.load("CPI", areas="08", start="2022-07", end="2022-07").to_pandas()
    assert got["agency"].tolist() == ["UBND_08"]
    assert got["submission_id"].iloc[0] == audit("c_unicode_text.txt")["submission_id"].iloc[0]


def test_zip_bomb_refused_early_in_little_memory(env: dict[str, str], tmp_path: Path) -> None:
    bomb = hostile_files.zip_bomb(tmp_path / "bomb.xlsx", unpacked=1024**3)
    assert bomb.stat().st_size < 10 * 1024**2  # it passes the file size limit
    before = store.snapshot_info()["file"]
    r = measured(env, "submit", str(bomb), "--agency", "UBND_04")
    assert r["rc"] == 1 and "Traceback" not in r["err"]
    assert "the Excel file unpacked is too large: 1,024.0 MB, at most 50.0 MB" in r["out"]
    assert "nội dung giải nén của tệp Excel quá lớn: 1.024,0 MB, tối đa 50,0 MB" in r["out"]
    assert r["peak_kb"] / 1024 < PEAK_MB, f"peak {r['peak_kb'] / 1024:.0f} MB"
    assert store.snapshot_info()["file"] == before
    assert audit("bomb.xlsx")["status"].tolist() == ["rejected"]


def test_giant_csv_refused_by_size_in_little_memory(env: dict[str, str], tmp_path: Path) -> None:
    header = "".join(",".join(map(str, r)) + "\r\n" for r in form_grid()[:12])
    big = hostile_files.giant_csv(tmp_path / "giant.csv", 200 * 1024**2, header)
    r = measured(env, "submit", str(big))
    assert r["rc"] == 1 and "Traceback" not in r["err"]
    assert "the file is too large: 200.0 MB, at most 10.0 MB (NRIS_LIMITS file_mb)" in r["out"]
    assert r["peak_kb"] / 1024 < PEAK_MB, f"peak {r['peak_kb'] / 1024:.0f} MB"
    assert len(r["out"]) < 2000  # one summary, one reason: not 449 MB of errors


def test_limits_are_configurable_and_errors_capped(env: dict[str, str], tmp_path: Path) -> None:
    # Under the file size limit but past a lowered row limit: refused at the first row too many.
    header = "".join(",".join(map(str, r)) + "\r\n" for r in form_grid()[:12])
    rows = hostile_files.giant_csv(tmp_path / "rows.csv", 3 * 1024**2, header)
    r = measured({**env, "NRIS_LIMITS": "rows=20000"}, "submit", str(rows))
    assert r["rc"] == 1
    assert "too many rows: more than 20,000 (NRIS_LIMITS rows)" in r["out"]
    assert r["peak_kb"] / 1024 < PEAK_MB
    # Within every limit, 2,000 bad rows: the report lists the first 50 problems, then a count.
    grid = form_grid()
    grid += [[1000 + k, f"NO_SUCH_{k}", "", "04", "", 1.0, None, None] for k in range(2000)]
    p = nris(env, "submit", str(write_csv(tmp_path / "many.csv", grid)))
    assert p.returncode == 1
    problems = [line for line in p.stdout.splitlines() if line.startswith("- [")]
    assert len(problems) == 50
    last = p.stdout.rstrip().splitlines()[-1]
    assert last == "... và 1951 vấn đề khác | and 1951 more problems"  # 2,000 + the late warning
    checked, _ = ingest.check(tmp_path / "many.csv")  # past the listed problems, no fuzzy search
    assert "no valid code is close to it; 179 valid codes: " in checked.errors[0].en
    assert checked.errors[1999].en == "unknown indicator 'NO_SUCH_1999'"
    bad = nris({**env, "NRIS_LIMITS": "rows=lots"}, "submit", str(tmp_path / "many.csv"))
    assert bad.returncode == 2 and "NRIS_LIMITS: bad entry 'rows=lots'" in bad.stderr


def test_stale_dimension_is_not_trusted(env: dict[str, str], tmp_path: Path) -> None:
    grid = form_grid()
    path = hostile_files.stale_dimension_xlsx(tmp_path / "stale.xlsx", grid, "A1:H5")
    p = nris(env, "submit", str(path))
    assert p.returncode == 0, p.stdout
    assert f"{len(data_rows(grid))} rows" in p.stdout  # every row, not the first five
    got = analytics.load(None, areas="04", start="2022-07", end="2022-07")
    assert len(got) == len(data_rows(grid))


def test_inbox_never_follows_links(env: dict[str, str], tmp_path: Path) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    secret = write_csv(outside / "valid_elsewhere.csv", form_grid("UBND_01"))
    (inbox / "link.csv").symlink_to(secret)
    write_csv(inbox / "bad.csv", [["nothing"]])
    victim = outside / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    (inbox / "rejected").mkdir()
    (inbox / "rejected" / "bad.csv.report.txt").symlink_to(victim)  # a planted report name
    p = nris(env, "ingest", str(inbox))
    assert p.returncode == 1, p.stderr
    moved = inbox / "rejected" / "link.csv"
    assert moved.is_symlink() and secret.exists()  # the link itself moved, its target untouched
    report = json.loads((inbox / "rejected" / "link.csv.report.json").read_text("utf-8"))
    assert report["status"] == "rejected" and "symbolic link" in report["issues"][0]["en"]
    assert victim.read_text(encoding="utf-8") == "untouched"
    (bad_report,) = (inbox / "rejected").glob("bad.*.csv.report.txt")  # beside the planted name
    assert "REJECTED bad" in bad_report.read_text("utf-8")
    assert audit("link.csv")["status"].tolist() == ["rejected"]
    assert analytics.load("CPI", areas="01", start="2022-07").is_empty()  # never read
    # accepted/ as a link out of the inbox: refused before any file is touched
    inbox2 = tmp_path / "inbox2"
    inbox2.mkdir()
    good = write_csv(inbox2 / "good.csv", form_grid("UBND_08"))
    (inbox2 / "accepted").symlink_to(outside)
    p = nris(env, "ingest", str(inbox2))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "is a link or not a folder; no file is moved into it" in p.stderr
    assert good.exists() and sorted(os.listdir(outside)) == ["valid_elsewhere.csv", "victim.txt"]


def test_control_characters_in_names_are_escaped(env: dict[str, str], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "evil\x1b]0;pwned\x07\x1b[2J\rHà Nội\u202e.csv"
    write_csv(inbox / name, form_grid())
    write_csv(inbox / "zz_dup.csv", form_grid())  # same content, sent after: a duplicate, audited
    p = nris_process(env, "ingest", str(inbox))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout and "\r" not in p.stdout
    assert "\u202e" not in p.stdout
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\x0dHà Nội\\u202e.csv" in p.stdout
    subs = analytics.submissions()
    last = subs.sort_values("submission_id").tail(2)
    assert last["status"].tolist() == ["accepted", "duplicate"]
    assert last["file_name"].tolist() == [name, "zz_dup.csv"]  # the audit keeps the name as sent
    history = nris_process(env, "history", "CPI", "--area", "04", "--period", "2022-07")
    assert "\x1b" not in history.stdout and "evil\\x1b" in history.stdout


def test_xlsx_within_limits_still_reads(env: dict[str, str], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", form_grid())
    p = nris(env, "submit", str(path), "--check")
    assert p.returncode == 0 and "HỢP LỆ | VALID" in p.stdout
