"""Real processes: 50 agencies' systems at once against 2 workers; a worker killed mid-submission."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
from api_helpers import ROOT, free_port, start, store_env, token
from test_ingest_helpers import copy_store, form_grid, write_csv

PERIODS = {"M": "2022-07", "Q": "2022-Q3", "A": "2022", "6M": "2022-H1", "9M": "2022-9M"}


def agencies_and_regimes(n: int) -> list[tuple[str, str, str]]:
    """``n`` different agencies (the 34 provinces, then ministries), each with a regime it reports."""
    from analytics.catalog import catalog

    cat = catalog()
    rs = cat.regime_submitters.merge(
        cat.regimes[["code", "frequency"]], left_on="regime", right_on="code"
    )
    rs = rs[rs["frequency"].isin(PERIODS)]
    rs = rs.assign(_m=rs["frequency"] != "M", _p=~rs["agency"].str.startswith("UBND_"))
    first = rs.sort_values(["_p", "_m", "agency", "regime"]).groupby("agency", sort=False).first()
    first = first.reset_index().sort_values(["_p", "agency"])
    out = [(a, r, PERIODS[f]) for a, r, f in first[["agency", "regime", "frequency"]].values]
    assert len(out) >= n
    return out[:n]


@pytest.mark.slow
def test_fifty_agencies_submit_at_once_through_two_workers(
    demo_store: Path, tmp_path: Path
) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    clients = agencies_and_regimes(50)
    assert sum(a.startswith("UBND_") for a, _, _ in clients) == 34
    files = {
        a: write_csv(tmp_path / f"{a}.csv", form_grid(a, r, p)).read_bytes() for a, r, p in clients
    }
    toks = {a: token(folder, a) for a, _, _ in clients}
    server = start(folder, workers=2, env={"NRIS_API_RATE": "100000/60"})
    events: list[dict] = []
    listening = threading.Event()

    def listen() -> None:  # one stream, on whichever worker takes it, sees both workers' writes
        with httpx.stream(
            "GET",
            server.url + "/v1/events",
            headers={"Authorization": f"Bearer {toks[clients[0][0]]}"},
            timeout=httpx.Timeout(10, read=120),
        ) as resp:
            for line in resp.iter_lines():
                listening.set()
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if len(events) >= len(clients):
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(20)
    try:

        async def send(client: httpx.AsyncClient, agency: str) -> httpx.Response:
            return await client.post(
                server.url + "/v1/submissions",
                headers={"Authorization": f"Bearer {toks[agency]}", "Idempotency-Key": agency},
                files={"file": (f"{agency}.csv", files[agency])},
            )

        async def main() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=600) as client:
                # each system sends its report and, at the same moment, a retry of it
                jobs = [send(client, a) for a, _, _ in clients for _ in range(2)]
                return await asyncio.gather(*jobs)

        answers = asyncio.run(main())
        listener.join(60)
    finally:
        server.stop()
    by_agency: dict[str, list[httpx.Response]] = {}
    for (agency, _, _), r in zip([c for c in clients for _ in range(2)], answers, strict=True):
        by_agency.setdefault(agency, []).append(r)
    for agency, (a, b) in by_agency.items():
        assert a.status_code == 201, (agency, a.text[:500])
        assert b.status_code == 201 and b.json() == a.json(), agency  # the retry: the same answer
    ids = {a: rs[0].json()["submission_id"] for a, rs in by_agency.items()}
    assert sorted((e["submission_id"], e["agency"]) for e in events) == sorted(
        (i, a) for a, i in ids.items()
    )
    with store_env(folder):
        from analytics import reporting, store

        subs = reporting.submissions()
        api_subs = subs[subs["source"].str.startswith("api")]
        assert sorted(api_subs["agency"]) == sorted(ids)  # every attempt once, nothing twice
        assert set(api_subs["status"]) == {"accepted"}
        n_db = store.read_query(
            "SELECT submission_id, count(*) AS n FROM observations WHERE submission_id IN "
            f"({','.join(map(str, ids.values()))}) GROUP BY submission_id"
        )
        assert dict(zip(n_db["submission_id"], n_db["n"], strict=True)) == {
            rs[0].json()["submission_id"]: rs[0].json()["n_rows"] for rs in by_agency.values()
        }
        # the published snapshot holds exactly what the store holds
        info = store.snapshot_info()
        total = int(store.read_query("SELECT count(*) AS n FROM observations")["n"].iloc[0])
        assert info["rows"] == total
        last = int(store.read_query("SELECT max(submission_id) AS m FROM submissions")["m"].iloc[0])
        assert info["last_submission"] == last


STALLING_SERVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analytics import store
    real = store.append_observations
    def stall(con, obs):
        n = real(con, obs)                 # rows are inside the open transaction now
        if Path(sys.argv[1]).exists():     # armed by the test: tell it, then wait to be killed
            Path(sys.argv[2]).touch()
            time.sleep(300)
        return n
    store.append_observations = stall
    from workbench.cli import main
    sys.exit(main(["api", "--port", sys.argv[3]]))
    """
)


@pytest.mark.slow
def test_worker_killed_mid_submission_keeps_what_was_acknowledged(
    demo_store: Path, tmp_path: Path
) -> None:
    folder = copy_store(demo_store, tmp_path / "store")
    arm, stalled = tmp_path / "arm", tmp_path / "stalled"
    tok = token(folder, "UBND_40")
    tok2 = token(folder, "UBND_42")
    port = free_port()
    env = {**os.environ, "NRIS_STORE": str(folder), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLING_SERVER, str(arm), str(stalled), str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        acked = httpx.post(
            url + "/v1/submissions",
            headers={"Authorization": f"Bearer {tok2}"},
            files={
                "file": (
                    "u42.csv",
                    write_csv(tmp_path / "u42.csv", form_grid("UBND_42")).read_bytes(),
                )
            },
            timeout=120,
        )
        assert acked.status_code == 201
        arm.touch()
        data = write_csv(tmp_path / "u40.csv", form_grid("UBND_40")).read_bytes()
        headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": "u40"}

        async def doomed() -> BaseException | httpx.Response:
            async with httpx.AsyncClient(timeout=120) as c:
                task = asyncio.create_task(
                    c.post(
                        url + "/v1/submissions", headers=headers, files={"file": ("u40.csv", data)}
                    )
                )
                for _ in range(600):
                    if stalled.exists():
                        break
                    await asyncio.sleep(0.1)
                assert stalled.exists()
                os.killpg(proc.pid, signal.SIGKILL)  # mid-transaction: rows written, not committed
                try:
                    return await task
                except httpx.HTTPError as exc:
                    return exc

        outcome = asyncio.run(doomed())
        assert isinstance(outcome, httpx.HTTPError)  # never acknowledged
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    server = start(folder)
    try:
        with store_env(folder):
            from analytics import reporting

            subs = reporting.submissions()
        assert acked.json()["submission_id"] in set(subs["submission_id"])  # acknowledged: kept
        assert subs[(subs["agency"] == "UBND_40") & subs["source"].str.startswith("api")].empty
        # the client retries with its key: stored now, once
        r = httpx.post(
            server.url + "/v1/submissions",
            headers=headers,
            files={"file": ("u40.csv", data)},
            timeout=120,
        )
        assert r.status_code == 201, r.text
        d = httpx.get(
            server.url + "/v1/data/CPI",
            headers={"Authorization": f"Bearer {tok}"},
            params={"areas": "40", "start": "2022-07", "end": "2022-07"},
        ).json()
        assert [o["submission_id"] for o in d["observations"]] == [r.json()["submission_id"]]
    finally:
        server.stop()


def test_workers_end_with_a_killed_supervisor(demo_store: Path, tmp_path: Path) -> None:
    """SIGKILL to ``nris api``'s supervisor alone (not its group): its workers stop too and the
    port is free again, instead of serving on without anyone to restart or stop them."""
    import psutil

    from workbench.api.listen import check_port_free

    server = start(copy_store(demo_store, tmp_path / "store"), workers=2)
    port = int(server.url.rsplit(":", 1)[1])
    workers = [
        p for p in psutil.Process(server.proc.pid).children() if "spawn" in " ".join(p.cmdline())
    ]
    try:
        assert len(workers) == 2, [p.cmdline() for p in workers]
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"workers still running after their supervisor was killed: {alive}"
        check_port_free("127.0.0.1", port)
    finally:
        server.stop()
        for p in workers:  # orphans now, outside the process group's reach once it has gone
            if p.is_running():
                p.kill()
