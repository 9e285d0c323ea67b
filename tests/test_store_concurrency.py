"""Readers never block on the writer and never see a torn or mixed snapshot (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import polars as pl
    import analytics
    from analytics import store

    done, out = Path(sys.argv[1]), Path(sys.argv[2])
    seen, loads, errors = [], 0, []
    while not store.has_snapshot():
        time.sleep(0.01)
    while True:
        finished = done.exists()
        try:
            df = analytics.load(["EXPORTS", "CPI"])
            info = store.snapshot_info()
            full = pl.read_parquet(info["path"])
            ids = full["submission_id"].unique().sort().to_list()
            if len(full) != info["rows"] or len(ids) != info["submissions"]:
                errors.append(f"torn: {len(full)} rows vs {info['rows']}")
            if ids != list(range(1, len(ids) + 1)):
                errors.append(f"mixed: submission ids are not a prefix ({ids[:3]}..{ids[-3:]})")
            if df.is_empty():
                errors.append("empty load")
        except Exception as exc:  # any error at all fails the test
            errors.append(repr(exc))
            info = {"submissions": -1}
        loads += 1
        seen.append(info["submissions"])
        if finished:
            break
        time.sleep(0.02)  # four readers polling flat out would only measure CPU starvation
    out.write_text(json.dumps({"seen": seen, "loads": loads, "errors": errors}))
    """
)

WRITER = "import sys; from analytics.demo import build_demo; build_demo(end='2016-12', batches=20)"


@pytest.mark.slow
def test_readers_never_see_torn_snapshots(tmp_path: Path) -> None:
    env = {**os.environ, "NRIS_STORE": str(tmp_path / "store")}
    done = tmp_path / "writer.done"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(done), str(tmp_path / f"r{i}.json")], env=env
        )
        for i in range(4)
    ]
    writer = subprocess.run([sys.executable, "-c", WRITER], env=env, capture_output=True, text=True)
    done.touch()
    assert writer.returncode == 0, writer.stderr[-2000:]
    for proc in readers:
        assert proc.wait(timeout=120) == 0
    final = json.loads((tmp_path / "store" / "current.json").read_text())
    snapshots_seen = set()
    for i in range(4):
        result = json.loads((tmp_path / f"r{i}.json").read_text())
        assert result["errors"] == []
        assert result["seen"] == sorted(result["seen"]), "a reader went back to an older snapshot"
        assert result["seen"][-1] == final["submissions"]
        snapshots_seen.update(result["seen"])
    # The readers really ran while the writer republished.
    assert len(snapshots_seen) > 3


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analytics import store

    held, release = Path(sys.argv[1]), Path(sys.argv[2])
    with store.writer(publish=False) as con:  # the store's lock and the DuckDB file, held open
        con.execute("SELECT count(*) FROM observations").fetchone()
        held.touch()
        while not release.exists():
            time.sleep(0.05)
    """
)


@pytest.mark.slow
def test_a_reader_loads_while_the_writer_holds_the_store(demo_store: Path, tmp_path: Path) -> None:
    """No timing: the reader must finish while the writer still holds the lock and the database."""
    import shutil

    store_dir = tmp_path / "store"
    shutil.copytree(demo_store, store_dir)
    env = {**os.environ, "NRIS_STORE": str(store_dir)}
    held, release = tmp_path / "held", tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(held), str(release)], env=env)
    try:
        for _ in range(1200):
            if held.exists() or holder.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert held.exists(), "the writer never took the store"
        reader = subprocess.run(
            [sys.executable, "-c",
             "import analytics; print(len(analytics.load(['EXPORTS', 'CPI'])))"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert holder.poll() is None, "the writer let go before the reader finished"
        assert reader.returncode == 0, reader.stderr[-2000:]
        assert int(reader.stdout.strip()) > 0
    finally:
        release.touch()
        holder.wait(timeout=120)
