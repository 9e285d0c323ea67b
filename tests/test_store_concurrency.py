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
    seen, worst, loads, errors = [], 0.0, 0, []
    while not store.has_snapshot():
        time.sleep(0.01)
    while True:
        finished = done.exists()
        try:
            t0 = time.perf_counter()
            df = analytics.load(["EXPORTS", "CPI"])
            worst = max(worst, time.perf_counter() - t0)
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
    out.write_text(json.dumps({"seen": seen, "worst": worst, "loads": loads, "errors": errors}))
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
        assert result["worst"] < 1.0, f"a load blocked for {result['worst']:.2f} s"
        assert result["seen"] == sorted(result["seen"]), "a reader went back to an older snapshot"
        assert result["seen"][-1] == final["submissions"]
        snapshots_seen.update(result["seen"])
    # The readers really ran while the writer republished.
    assert len(snapshots_seen) > 3
