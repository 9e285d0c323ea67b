"""Shared fixtures: a demo store built once per test session in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DEMO_END = "2022-06"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n auto --dist loadgroup`` the browser and Voilà tests share one worker.

    Each of them starts a Voilà server with preheated kernels (~375 MB each) or drives Chromium;
    run side by side on several workers they would only fight for the same two cores and memory,
    and a module-scoped server would start once per worker.
    """
    for item in items:
        voila = item.path.name == "test_briefings.py" and item.get_closest_marker("slow")
        if voila or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("voila"))


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
