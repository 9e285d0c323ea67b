"""A real ``nris api`` process on a random loopback port over a private copy of the demo store."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def store_env(folder: Path) -> Iterator[None]:
    """Point this process at ``folder`` for a moment (token creation, direct reads)."""
    old = os.environ.get("NRIS_STORE")
    os.environ["NRIS_STORE"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NRIS_STORE", None)
        else:
            os.environ["NRIS_STORE"] = old


def token(folder: Path, agency: str, role: str = "submitter", expires=None) -> str:  # noqa: ANN001
    from workbench.api import tokens

    with store_env(folder):
        return tokens.create(agency, role, expires)


@dataclass
class Server:
    url: str
    store: Path
    proc: subprocess.Popen
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start(store: Path, workers: int = 1, env: dict[str, str] | None = None) -> Server:
    """Start ``nris api`` and wait until it answers."""
    port = free_port()
    log = store.parent / f"api-{port}.log"
    full_env = {
        **os.environ,
        "NRIS_STORE": str(store),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench.cli",
                "api",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=full_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", store, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if httpx.get(server.url + "/openapi.json", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("nris api did not start: " + log.read_text())


def grid_rows(grid: list[list]) -> list[dict]:
    """A form grid's table as the JSON body's rows."""
    return [
        {"indicator": r[1], "area": r[3] or None, "value": r[5]}
        for r in grid
        if len(r) > 6 and isinstance(r[0], int)
    ]
