"""Group commit: a worker's validated submissions share one writer transaction and one publish.

Validation runs in the request threads, all at once; storing needs the store's one writer (a file
lock across processes) and each transaction republishes the snapshot. So each worker process has
one writer thread that takes every submission waiting at that moment, stores them in one
transaction (``ingest.store_many``) and publishes once; each request is answered only after that
commit and publish. If the batch fails, each is retried alone, so one bad item never sinks others.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from analytics import ingest

MAX_BATCH = 64

_queue: queue.Queue[tuple[ingest.Prepared, Future]] = queue.Queue()
_lock = threading.Lock()
_thread: threading.Thread | None = None


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


def _run() -> None:
    while True:
        batch = [_queue.get()]
        while len(batch) < MAX_BATCH:
            try:
                batch.append(_queue.get_nowait())
            except queue.Empty:
                break
        try:
            ingest.store_many([p for p, _ in batch])
        except BaseException:  # noqa: BLE001 - retry each alone; its own error goes to its caller
            for p, f in batch:
                try:
                    ingest.store_many([p])
                    f.set_result(None)
                except BaseException as exc:  # noqa: BLE001
                    f.set_exception(exc)
            continue
        for _, f in batch:
            f.set_result(None)
