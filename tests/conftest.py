"""Shared fixtures: a demo store built once per test session in a temporary folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

DEMO_END = "2022-06"


THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config: pytest.Config) -> None:
    """One BLAS/OpenMP thread per test process (unless ``$OMP_NUM_THREADS`` says otherwise).

    ``-n auto`` runs a worker per core already; OpenMP teams of two threads in each worker (plus
    the kernels and CLI children they start) spin against each other for the same two cores:
    the boosting and MLP model tests took 10 to 50 times their CPU time in the full suite. The
    environment reaches the children and libraries loaded later (scikit-learn's OpenMP);
    threadpoolctl limits those the plugins loaded already (numpy's OpenBLAS).
    """
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=int(os.environ["OMP_NUM_THREADS"] or 1))
    # as nris, report kernels and Voilà do: papermill, nbconvert and Altair load here too
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores this process may use.

    About a fifth of the suite's time is spent waiting, not computing: on a Voilà server's
    kernels, a scheduler's faked clock, Chromium, a CLI child. A third worker computes while the
    others wait, so the cores stay busy (two workers left them idle a fifth of the run).
    """
    return len(os.sched_getaffinity(0)) + 1


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``pytest -n auto --dist loadgroup`` the browser and Voilà tests share one worker.

    Each of them starts a Voilà server with preheated kernels (~375 MB each) or drives Chromium;
    run side by side on several workers they would only fight for the same two cores and memory,
    and a module-scoped server would start once per worker.

    xdist 3.8 groups a test by appending ``@group`` to ``item._nodeid``, which pytest 9.2 no longer
    reads (a node id is now the ``NodeId`` in ``item._id``): the group was silently ignored, and
    both workers started both Voilà servers and Chromium side by side. The suffix is therefore
    set here, where pytest reads it (``tryfirst``: before xdist's hook of the same name). Being
    the largest unit, the group is handed out first (xdist's ``--loadscope-reorder``).
    """
    grouping = bool(getattr(config.option, "loadgroup", False))
    for item in items:
        voila = item.path.name == "test_briefings.py" and item.get_closest_marker("slow")
        if voila or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("voila"))
            if grouping and "@" not in item.nodeid and hasattr(item, "_id"):
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(f"{item.nodeid}@voila")
    # The other tests are handed out one at a time in this order: modules holding slow tests
    # first, whole (their module-scoped servers start once per worker), so the run does not end
    # with one worker on a minute-long test while the other has nothing left to do.
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by the demo generator (2015-01 to 2022-06), shared read-only by tests.

    ``$NRIS_TEST_DEMO_STORE`` names a folder to build it in once and reuse across pytest sessions:
    mutation testing runs a session per mutant, and rebuilding the store each time would exceed
    its timeouts. Unset (``make test``), each session (each xdist worker) builds its own.
    """
    from analytics.demo import build_demo

    reuse = os.environ.get("NRIS_TEST_DEMO_STORE")
    if reuse and (Path(reuse) / "current.json").exists():
        return Path(reuse)
    folder = Path(reuse) if reuse else tmp_path_factory.mktemp("store")
    old = os.environ.get("NRIS_STORE")
    os.environ["NRIS_STORE"] = str(folder)
    try:
        build_demo(end=DEMO_END)
    finally:
        if old is None:
            del os.environ["NRIS_STORE"]
        else:
            os.environ["NRIS_STORE"] = old
    return folder


@pytest.fixture
def use_store(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point analytics at the shared demo store for one test."""
    monkeypatch.setenv("NRIS_STORE", str(demo_store))
    return demo_store


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty store folder for tests that write."""
    folder = tmp_path / "store"
    monkeypatch.setenv("NRIS_STORE", str(folder))
    return folder


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's) driven by Playwright, one per worker for every browser test
    (Playwright's sync API allows one at a time in a process: a test must not start its own).

    Playwright stops its driver by closing the driver's stdin and waiting for it to exit. The
    local process pools of ``forecasts.engine`` (forked, kept for the process's life) inherit that
    pipe when a forecast test runs on this worker after the browser started: the driver never
    sees the end of its input and the session hung at teardown. The pools go first.
    """
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
        )  # fmt: skip
        yield b
        b.close()
        engine = sys.modules.get("forecasts.engine")
        if engine is not None:
            engine.shutdown_pools()
