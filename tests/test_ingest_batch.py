"""Group commit: validated submissions stored together, each still all-or-nothing and audited."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from test_ingest_helpers import RECEIVED, copy_store, data_rows, form_grid, write_csv

import analytics
from analytics import ingest, store


@pytest.fixture
def writable(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("NRIS_STORE", str(folder))
    return folder


def test_store_many_is_one_publish_and_sees_its_own_duplicates(
    writable: Path, tmp_path: Path
) -> None:
    a = write_csv(tmp_path / "a.csv", form_grid("UBND_04"))
    b = write_csv(tmp_path / "b.csv", form_grid("UBND_08"))
    items = [ingest.prepare(p, received_at=RECEIVED) for p in (a, b, a)]
    before = store.snapshot_info()
    ingest.store_many(items)
    after = store.snapshot_info()
    assert [i.result.status for i in items] == ["accepted", "accepted", "duplicate"]
    assert items[2].result.duplicate_of == items[0].result.submission_id
    assert after["rows"] == before["rows"] + 24
    assert after["last_submission"] == items[2].result.submission_id
    assert len(list((writable / "snapshots").glob("snapshot-*.parquet"))) == 2  # old + one new


def test_writer_thread_answers_each_submission_alone_when_a_batch_fails(
    writable: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.api import writer

    real = store.append_observations

    def fragile(con, obs):  # noqa: ANN001, ANN202
        if "UBND_12" in set(obs["agency"]):  # boom.csv's rows, alone or inside a batch's
            raise RuntimeError("disk trouble")
        return real(con, obs)

    monkeypatch.setattr(store, "append_observations", fragile)
    files = [
        write_csv(tmp_path / f"{name}.csv", form_grid(agency))
        for name, agency in (("u11", "UBND_11"), ("boom", "UBND_12"), ("u14", "UBND_14"))
    ]
    items = [ingest.prepare(p, received_at=RECEIVED) for p in files]

    def send(item: ingest.Prepared) -> str:
        try:
            return writer.store(item).status
        except RuntimeError as exc:
            return str(exc)

    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(send, items))
    assert outcomes == ["accepted", "disk trouble", "accepted"]
    subs = analytics.submissions()
    stored = set(subs.loc[subs["status"] == "accepted", "file_name"])
    assert {"u11.csv", "u14.csv"} <= stored and "boom.csv" not in set(subs["file_name"])
    assert items[1].result.submission_id is None  # no id left over from a rolled-back attempt
    manifest = json.loads(store.pointer_path().read_text(encoding="utf-8"))
    assert manifest["last_submission"] == max(i.result.submission_id or 0 for i in items)


def test_a_failed_store_leaves_each_result_as_validated(
    writable: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write_csv(tmp_path / "a.csv", form_grid("UBND_04"))
    items = [ingest.prepare(a, received_at=RECEIVED) for _ in range(2)]
    before = store.snapshot_info()

    def broken(con, obs):  # noqa: ANN001, ANN202
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(store, "append_observations", broken)
    with pytest.raises(RuntimeError, match="disk trouble"):
        ingest.store_many(items)
    assert [(i.result.status, i.result.submission_id, i.result.duplicate_of) for i in items] == [
        ("accepted", None, None),
        ("accepted", None, None),
    ]
    assert store.snapshot_info()["last_submission"] == before["last_submission"]


def test_a_batch_stores_as_one_submission_after_another(writable: Path, tmp_path: Path) -> None:
    grid = form_grid("UBND_15")
    first = write_csv(tmp_path / "first.csv", grid)
    for row in data_rows(grid):
        row[5] = round(float(row[5]) * 1.01, 4)
    second = write_csv(tmp_path / "second.csv", grid)
    items = [ingest.prepare(p, received_at=RECEIVED) for p in (first, second, first)]
    ingest.store_many(items)
    a, b, c = (i.result for i in items)
    assert (a.status, b.status, c.status) == ("accepted", "accepted", "duplicate")
    assert c.duplicate_of == a.submission_id
    assert a.n_revised == 0 and a.n_rows == 12  # nothing of UBND_15 for the period before
    assert b.n_revised == b.n_rows == 12  # the batch's first item is what the second revises
    stored = store.read_query(
        "SELECT submission_id, status, count(*) AS n FROM observations "
        f"WHERE submission_id IN ({a.submission_id}, {b.submission_id}) GROUP BY ALL"
    )
    assert sorted(map(tuple, stored.values.tolist())) == [
        (a.submission_id, "preliminary", 12),
        (b.submission_id, "revised", 12),
    ]


def test_the_outlier_rule_reads_the_snapshot_a_submission_published(
    writable: Path, tmp_path: Path
) -> None:
    item = ingest.prepare(
        write_csv(tmp_path / "u15.csv", form_grid("UBND_15")), received_at=RECEIVED
    )
    period = pd.Timestamp(item.checked.period)
    before = ingest._history(item.checked.obs)  # read once per snapshot, then remembered
    assert before is not None and not (pd.to_datetime(before["period"]) == period).any()
    ingest.store_many([item])
    after = ingest._history(item.checked.obs)
    assert after is not None
    new = after[pd.to_datetime(after["period"]) == period]
    assert len(new) == item.result.n_rows == 12


def test_a_failed_batch_is_retried_from_what_was_validated(
    writable: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from workbench.api import writer

    real, calls = store.append_observations, []

    def flaky(con, obs):  # noqa: ANN001, ANN202
        calls.append(len(obs))
        if len(calls) == 1:
            raise RuntimeError("disk trouble")
        return real(con, obs)

    monkeypatch.setattr(store, "append_observations", flaky)
    monkeypatch.setattr(writer, "LINGER_S", 60.0)
    a = write_csv(tmp_path / "u19.csv", form_grid("UBND_19"))
    b = write_csv(tmp_path / "u20.csv", form_grid("UBND_20"))
    items = [ingest.prepare(p, received_at=RECEIVED) for p in (a, b, a)]
    put_before = writer._queue.unfinished_tasks  # counts every put (nothing calls task_done)
    with ThreadPoolExecutor(3) as pool:
        with writer.validating():  # one validation under way: the writer waits, the batch fills
            futures = [pool.submit(writer.store, i) for i in items]
            for _ in range(3000):  # all three queued, the writer holding the first
                if writer._queue.unfinished_tasks - put_before == 3 and writer._queue.qsize() == 2:
                    break
                time.sleep(0.01)
            else:
                raise AssertionError("the three submissions never met in the writer's queue")
        results = [f.result(timeout=120) for f in futures]
    assert calls[0] == 24  # the batch of three failed (the duplicate adds no rows)
    assert [r.status for r in results] == ["accepted", "accepted", "duplicate"]
    assert results[2].duplicate_of == results[0].submission_id  # the id that was kept
    subs = analytics.submissions().set_index("submission_id")
    assert subs.loc[results[0].submission_id, "status"] == "accepted"
    dup = subs.loc[results[2].submission_id]  # audited as a duplicate is: no rows, its original
    assert (dup["status"], dup["n_rows"]) == ("duplicate", 0)
    assert {"duplicate_of": results[0].submission_id} in json.loads(dup["reasons"])
