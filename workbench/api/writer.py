"""Group commit: a worker's validated submissions share one writer transaction and one publish.

Validation runs in the request threads, one at a time per worker (the GIL would only interleave
more); storing needs the store's one writer (a file lock across processes) and each transaction
republishes the snapshot. So each worker process has one writer thread: once it holds the store it
takes every submission validated by then, stores them in one transaction (``ingest.store_batch``)
and publishes once; each request is answered only after that commit and publish. Under a burst the
writer first lets the validations already under way in its worker finish (at most ``LINGER_S``), so
fifty reports arriving at once make a few publishes, not fifty; and while it holds the store no new
validation starts in its worker, so the lock every worker waits for is held as briefly as the work
allows. A submission arriving alone is stored at once. If the batch fails, each is retried alone,
so one bad item never sinks others.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

from analytics import ingest
from analytics import store as the_store

MAX_BATCH = 64
LINGER_S = 0.5  # longest a validated submission waits for the validations behind it

_queue: queue.Queue[tuple[ingest.Prepared, Future]] = queue.Queue()
_lock = threading.Lock()
_thread: threading.Thread | None = None
_idle = threading.Event()  # clear while this worker's writer holds the store
_idle.set()
_validating = threading.Condition()
_pending = 0  # submissions of this worker being (or waiting to be) validated


@contextmanager
def validating() -> Iterator[None]:
    """Around a submission's validation: the writer lets it finish before taking the store, and
    it starts only while this worker's writer does not hold the store."""
    global _pending
    with _validating:
        _pending += 1
    try:
        yield
    finally:
        with _validating:
            _pending -= 1
            _validating.notify_all()


def wait_idle() -> None:
    """Block while this worker's writer holds the store."""
    _idle.wait()


def _linger() -> None:
    deadline = time.monotonic() + LINGER_S
    with _validating:
        while _pending > 0 and (left := deadline - time.monotonic()) > 0:
            _validating.wait(left)


def store(pending: ingest.Prepared) -> ingest.SubmissionResult:
    """Store a validated submission (blocking until committed and published); returns its result."""
    global _thread
    done: Future = Future()
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="nris-writer", daemon=True)
            _thread.start()
    _queue.put((pending, done))
    done.result()
    return pending.result


def _drain(batch: list[tuple[ingest.Prepared, Future]]) -> None:
    while len(batch) < MAX_BATCH:
        try:
            batch.append(_queue.get_nowait())
        except queue.Empty:
            return


def _run() -> None:
    while True:
        batch = [_queue.get()]
        prepared: list[ingest.SubmissionResult] = []
        _linger()
        try:
            with the_store.writer() as con:  # waits for the store; validation goes on meanwhile
                _idle.clear()
                _drain(batch)  # everything validated while the store was busy joins this batch
                prepared = [dataclasses.replace(p.result) for p, _ in batch]
                ingest.store_batch(con, [p for p, _ in batch])
        except BaseException:  # noqa: BLE001 - retry each alone; its own error goes to its caller
            _idle.set()
            for (p, _), result in zip(batch, prepared, strict=False):
                p.result = result  # as validated: not the rolled-back batch's ids and duplicates
            for p, f in batch:
                try:
                    ingest.store_many([p])
                    f.set_result(None)
                except BaseException as exc:  # noqa: BLE001
                    f.set_exception(exc)
            continue
        finally:
            _idle.set()
        for _, f in batch:
            f.set_result(None)
