"""The same forecast call on a real Dask cluster (scheduler + 2 workers on 127.0.0.1)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasts as F

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[str]:
    """Start ``dask scheduler`` and two ``dask worker`` processes; stop exactly those at the end."""
    if not DASK.exists():
        pytest.skip(f"dask command not found next to {sys.executable}")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    common = {
        "cwd": tmp_path,
        "env": env,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
    }
    procs = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
                "--no-show",
            ],
            **common,
        )
    ]
    from distributed import Client

    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--memory-limit",
                        "0",
                        "--no-nanny",  # the worker itself, not a nanny process starting it
                    ],
                    **common,
                )
            )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        try:  # the scheduler closes its workers first: SIGTERM alone left each to wait on the other
            with Client(address, timeout=10) as client:
                client.shutdown()
        except Exception:
            pass  # it never started, or is gone: the signals below stop whatever is left
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_dask_cluster_gives_the_local_result(cluster: str) -> None:
    rng = np.random.default_rng(0)
    idx = pd.date_range("2016-01-01", periods=72, freq="MS")
    frames = []
    for i in range(8):
        t = np.arange(72)
        y = 100 + 10 * i + 0.4 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 72)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx, "y": y}))
    df = F.add_tet(pd.concat(frames))
    kwargs = {"models": ["auto", "theta", "ridge"], "level": (80, 95), "progress": False}
    local = F.forecast(df, 6, n_jobs=2, **kwargs)
    remote = F.forecast(df, 6, address=cluster, **kwargs)
    pd.testing.assert_frame_equal(local, remote)
    cv_local = F.backtest(df, 6, n_windows=2, models=["theta"], n_jobs=2, progress=False)
    cv_remote = F.backtest(df, 6, n_windows=2, models=["theta"], address=cluster, progress=False)
    pd.testing.assert_frame_equal(cv_local, cv_remote)
