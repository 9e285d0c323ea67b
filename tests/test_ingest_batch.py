"""Group commit: validated submissions stored together, each still all-or-nothing and audited."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_ingest_helpers import RECEIVED, copy_store, form_grid, write_csv

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

    real = ingest.store_prepared

    def fragile(con, pending):  # noqa: ANN001, ANN202
        if pending.file_name == "boom.csv":
            raise RuntimeError("disk trouble")
        return real(con, pending)

    monkeypatch.setattr(ingest, "store_prepared", fragile)
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
    manifest = json.loads(store.pointer_path().read_text(encoding="utf-8"))
    assert manifest["last_submission"] == max(i.result.submission_id or 0 for i in items)
