"""Real processes: 8 concurrent submitters land exactly once; a SIGKILL mid-ingest loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_ingest_helpers import RECEIVED, copy_store, form_grid, write_csv

import analytics
from analytics import store

PROVINCES = ["04", "08", "11", "12", "14", "15", "19", "20"]

SUBMITTER = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from analytics import ingest
    at = dt.datetime.fromisoformat(sys.argv[1])
    out = [ingest.submit(p, received_at=at).status for p in sys.argv[2:]]
    print(json.dumps(out))
    """
)

KILLED = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from analytics import ingest, store
    real = store.append_observations
    def stall(con, obs):
        n = real(con, obs)           # rows are inside the open transaction now
        Path(sys.argv[2]).touch()    # tell the test, then wait to be killed
        time.sleep(120)
        return n
    store.append_observations = stall
    ingest.submit(sys.argv[1], received_at=dt.datetime(2022, 7, 16, 10))
    """
)


@pytest.mark.slow
def test_eight_processes_submit_at_once(demo_store: Path, tmp_path: Path, monkeypatch) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    files = [write_csv(tmp_path / f"UBND_{p}.csv", form_grid(f"UBND_{p}")) for p in PROVINCES]
    rows_before = store.snapshot_info()["rows"]
    env = {**os.environ, "NRIS_STORE": str(folder)}
    # Each process sends its own file and then its neighbour's: every file is raced twice.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SUBMITTER, RECEIVED.isoformat(), str(f), str(files[i - 1])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, f in enumerate(files)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-2000:]
        outcomes += json.loads(out.strip().splitlines()[-1])
    assert sorted(outcomes) == ["accepted"] * 8 + ["duplicate"] * 8
    subs = analytics.submissions("accepted")
    mine = subs[subs["source"] == "local"]
    assert sorted(mine["agency"]) == [f"UBND_{p}" for p in PROVINCES]
    assert mine["file_hash"].is_unique
    info = store.snapshot_info()
    assert info["rows"] == rows_before + 8 * 12
    snap = analytics.load(None, start="2022-07", end="2022-07", frame="pandas")
    assert sorted(snap.loc[snap["agency"].str.startswith("UBND"), "area"].unique()) == PROVINCES
    detail = analytics.reporting_detail("2022-07", "BC_KTXH_THANG", as_of="2022-08-01")
    got = detail[detail["state"] != "missing"]
    assert sorted(got["agency"]) == [f"UBND_{p}" for p in PROVINCES]


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_the_store_as_it_was(
    demo_store: Path, tmp_path: Path, monkeypatch
) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    path = write_csv(tmp_path / "k.csv", form_grid())
    pointer = (folder / "current.json").read_bytes()
    before = store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0]
    n_subs = store.read_query("SELECT count(*) AS n FROM submissions")["n"].iloc[0]
    flag = tmp_path / "in-transaction"
    env = {**os.environ, "NRIS_STORE": str(folder)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path), str(flag)], env=env)
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None, "the submitter ended before reaching the transaction"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert (folder / "current.json").read_bytes() == pointer
    assert store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0] == before
    assert store.read_query("SELECT count(*) AS n FROM submissions")["n"].iloc[0] == n_subs
    # The lock died with the process: the same file goes in now, exactly once.
    result = analytics.submit(path, received_at=RECEIVED)
    assert result.status == "accepted", result.report()
    assert store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0] == before + 12
