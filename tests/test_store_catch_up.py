"""The snapshot always catches up: ``nris submit`` killed with SIGKILL between its commit and its
publish leaves data that becomes readable without any other agency submitting (real processes).

The kill times are random. Half the trials home in on the commit-to-publish window (a kill before
the commit moves the next one later, a kill after the publish moves it earlier); the other half
kill a random few milliseconds after the ``unpublished`` marker appears, just before the commit, so
a fast machine whose window is too short to home in on is still hit inside it. After each kill the data is recovered by
what a real deployment does next: any ``nris`` command, the same file sent again (a duplicate), or
``store.catch_up()`` as ``nris serve`` and ``nris scheduler start`` call it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_ingest_helpers import copy_store, form_grid, write_csv

import analytics
from analytics import ingest, paths, store
from analytics.catalog import catalog

NRIS = [sys.executable, "-m", "workbench.cli"]
MAX_TRIALS = 30
WANTED_HITS = 3  # one per way of recovering (recoveries below)
MIN_TRIALS = 5  # killed at that many different points at least


def committed(file_name: str) -> bool:
    subs = store.read_query(
        "SELECT count(*) AS n FROM submissions WHERE file_name = ? AND status = 'accepted'",
        [file_name],
    )
    return bool(subs["n"].iloc[0])


def readable(agency: str) -> bool:
    area = agency.removeprefix("UBND_")
    df = analytics.load("CPI", areas=area, start="2022-07", end="2022-07")
    return not df.is_empty() and df["agency"][0] == agency


def in_step() -> bool:
    """The snapshot's manifest names the store's last submission (nothing left unpublished)."""
    last = store.read_query("SELECT max(submission_id) AS m FROM submissions")["m"].iloc[0]
    return json.loads(store.pointer_path().read_text())["last_submission"] == int(last)


@pytest.mark.slow
def test_killed_writer_is_caught_up(
    demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    monkeypatch.setenv("NRIS_SENDERS", str(tmp_path / "none.yml"))
    env = {**os.environ}
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    agencies = catalog().agencies.query("kind == 'province'")["code"].tolist()
    lo, hi = 0.0, 4.0
    hits, outcomes, recoveries = 0, [], ["command", "resend", "catch_up"]
    for trial, agency in enumerate(agencies[:MAX_TRIALS]):
        if hits >= WANTED_HITS and len(outcomes) >= MIN_TRIALS:
            break
        path = write_csv(tmp_path / f"{agency}.csv", form_grid(agency))
        homing = trial % 2 == 0  # odd trials aim at the window itself: how fast the machine is
        delay = rng.uniform(lo, hi)
        start = time.monotonic()
        proc = subprocess.Popen(
            [*NRIS, "submit", str(path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if homing:  # killed at ``delay``, unless it finished before (no idle wait after it)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=delay)
        else:  # the marker goes down just before the commit; the publish follows it
            while not paths.unpublished_path().exists() and proc.poll() is None:
                time.sleep(0.001)
            time.sleep(rng.uniform(0.005, 0.08))
        elapsed = time.monotonic() - start
        proc.send_signal(signal.SIGKILL)
        rc = proc.wait()
        done, stored, shown = rc == 0, committed(path.name), readable(agency)
        outcomes.append((round(elapsed, 3), "finished" if done else "killed", stored, shown))
        note = f"seed {seed}, trial {trial}: {outcomes[-1]}"
        if not stored:
            lo = delay if homing else lo  # killed before the commit: nothing stored or shown
            assert not shown, note
            assert store.catch_up() in (None, "submissions", "observations"), note
            continue
        if shown:
            hi = delay if homing else hi  # the publish was over: kill earlier next time
            continue
        hits += 1  # committed, not published: the case the issue is about
        assert paths.unpublished_path().exists(), note
        how = recoveries[hits % 3]
        if how == "command":
            p = subprocess.run(
                [*NRIS, "catalog", "list"], env=env, capture_output=True, text=True, timeout=600
            )
            assert p.returncode == 0, p.stderr
        elif how == "resend":  # the writer finds the snapshot behind and republishes
            result = ingest.submit(path)
            assert result.status == "duplicate", note
        else:
            assert store.catch_up() == "observations", note
        assert readable(agency), f"{note}: not readable after {how}"
        assert in_step() and not paths.unpublished_path().exists(), note
    assert hits >= 2, f"seed {seed}: only {hits} kills between commit and publish: {outcomes}"
    assert len({o[0] for o in outcomes}) >= MIN_TRIALS  # killed at many different points
    assert store.catch_up() is None  # nothing left behind at the end
