"""Voilà with more duties. When a new snapshot is published, the preheated pages are recomputed.

A preheated page is rendered when its kernel starts, static copy included (see ``static``). Its
live widgets catch up with a new snapshot by themselves (each page polls), but the HTML Voilà hands
out was fixed at preheat time: without this, the first leaders after new submissions would read the
old figures for the seconds until the live widgets replaced them, or for good with JavaScript off.
Every ``$NRIS_BRIEFING_POLL`` seconds the server compares the snapshot each unclaimed preheated page
was computed from (its static copy's mark) with the current one, shuts the stale kernels down and
refills the pool. Kernels already handed to a leader are never touched.

And what a server left unattended needs: at most ``--BriefingServer.max_kernels`` kernels per page
beyond its pool, then a "busy" page (see ``admission``); the token scrubbed from every log line
(Tornado's access log writes the whole address, ``?token=...`` included); and a clean stop on
SIGTERM, SIGINT and SIGHUP (pending refills dropped, kernels shut, any child left ended), or when
the ``nris serve`` that started it dies.

    python -m workbench.briefings.server <voila arguments>   (what ``nris serve`` runs)
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import shutil
import signal
from collections.abc import Iterable
from typing import Any

import psutil
import tornado.web
from jupyter_core.utils import run_sync
from tornado.ioloop import PeriodicCallback
from traitlets import Integer
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from workbench.briefings import poll_seconds
from workbench.briefings.admission import RETRY_AFTER, Admission, Claim, ClaimingKernels, busy_page

MARK = re.compile(r"<!-- nris-snapshot: (.*?) -->")


def stale_items(pool: list[Any], current: str | None) -> list[Any]:
    """The pool entries whose page is fully rendered from another snapshot than ``current``.

    An entry is Voilà 0.5's future of ``{"task", "renderer", "kernel_id"}``; a page still
    rendering, or without a briefing's mark, is left for a later look.
    """
    stale = []
    for item in pool:
        if not item.done() or item.cancelled() or item.exception() is not None:
            continue
        content = item.result()
        if not content["task"].done():
            continue
        marks = MARK.findall("".join(content["renderer"].rendered_cache))
        if marks and html.unescape(marks[0]) != str(current):
            stale.append(item)
    return stale


async def recycle_stale(manager: Any, current: str | None) -> int:
    """Take stale preheated pages out of ``manager``'s pools, shut their kernels, refill; count."""
    pools: dict[str, list[Any]] = getattr(manager, "_pools", {})  # Voilà 0.5's preheat pools
    recycled = 0
    for notebook, pool in list(pools.items()):
        stale = stale_items(pool, current)
        if not stale:
            continue
        # out of the pool first (no await in between), so no request can claim one meanwhile
        pool[:] = [item for item in pool if item not in stale]
        for item in stale:
            await manager.shutdown_kernel(item.result()["kernel_id"])
        manager.fill_if_needed(delay=0, notebook_name=notebook)
        recycled += len(stale)
    return recycled


TOKEN_PARAM = re.compile(r"((?:^|[?&;\s])[\w-]*token=)[^&;#\s'\"]+", re.IGNORECASE)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any ``token=`` parameter's value and without any of ``secrets``."""
    text = TOKEN_PARAM.sub(r"\1[secret]", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return text


def scrub_logs(secrets: Iterable[str]) -> None:
    """Every log record of this process, from any logger, is scrubbed as it is made."""
    secrets = [s for s in secrets if s]
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it when it is written
            return record
        clean = scrub(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)


def drop_pending_fills(manager: Any) -> int:
    """Take the preheat refills not yet done out of Voilà's pools and cancel them, so that a
    stopping server does not wait out their delay only to start kernels and shut them down."""
    dropped = 0
    for pool in getattr(manager, "_pools", {}).values():
        pending = [item for item in pool if not item.done()]
        pool[:] = [item for item in pool if item.done()]
        for item in pending:
            item.cancel()
        dropped += len(pending)
    return dropped


async def shut_kernels(manager: Any) -> list[tuple[str, BaseException]]:
    """Shut every started kernel at once; return those that could not be, with why.

    ``shutdown_all`` also asks for the kernels still starting (a page request's, not yet in the
    manager's list) and stops at the first refusal with a traceback; a stopping server leaves
    those, and any gone meanwhile, to ``end_processes``.
    """
    ids = manager.list_kernel_ids()
    done = await asyncio.gather(
        *(manager.shutdown_kernel(k, now=True) for k in ids), return_exceptions=True
    )
    return [(k, r) for k, r in zip(ids, done, strict=True) if isinstance(r, BaseException)]


class BoundedVoilaHandler(TornadoVoilaHandler):
    """Voilà's page handler, admitting at most ``Admission.limit`` kernels per page."""

    _claim: Claim | None = None

    @property
    def kernel_manager(self) -> Any:
        manager = self.settings["kernel_manager"]
        return manager if self._claim is None else ClaimingKernels(manager, self._claim)

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        admission: Admission = self.settings["nris_admission"]
        manager = self.settings["kernel_manager"]
        page = self.notebook_path or path or ""
        claim = admission.admit(page, lambda kernel_id: kernel_id in manager)
        if claim is None:
            self.log.warning("busy: %r holds %d kernel(s) already", page, admission.limit)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_AFTER))
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(busy_page(admission.limit))
            return
        self._claim = claim
        try:
            await super().get(path)
        finally:
            claim.open = False


class BriefingServer(Voila):
    """Voilà with the snapshot watch, the per-page kernel bound, clean logs and a clean stop."""

    max_kernels = Integer(
        5, config=True, help="Kernels a page may hold beyond its preheated pool; then 'busy' (503)."
    )

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        scrub_logs([self.token or ""])
        for sig in (signal.SIGINT, signal.SIGHUP):  # Voilà handles SIGTERM alone
            signal.signal(sig, self._handle_signal_stop)

    def _handle_signal_stop(self, sig: int, frame: Any) -> None:
        if getattr(self, "ioloop", None) is None:  # not serving yet: nothing to shut down
            raise SystemExit(0)
        super()._handle_signal_stop(sig, frame)

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["nris_admission"] = Admission(max(self.max_kernels, 1))
        return settings

    def init_handlers(self) -> list:
        return [
            (h[0], BoundedVoilaHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h
            for h in super().init_handlers()
        ]

    def listen(self) -> None:
        interval = poll_seconds()
        if interval > 0 and self.voila_configuration.preheat_kernel:
            PeriodicCallback(self._check_snapshot, interval * 1000).start()
        super().listen()

    async def _check_snapshot(self) -> None:
        from analytics.store import snapshot_key

        try:
            n = await recycle_stale(self.kernel_manager, snapshot_key())
        except Exception as exc:  # keep serving; the pages still refresh themselves
            self.log.warning("snapshot check failed: %s: %s", type(exc).__name__, exc)
            return
        if n:
            self.log.info("new snapshot: recomputing %d preheated page(s)", n)

    def stop(self) -> None:
        """Voilà's stop, with the kernels shut at once (a page kernel has nothing to save, and one
        still running a cell when asked to shut down politely logs a traceback), then any child
        left over ended."""
        from workbench.serve import end_processes

        drop_pending_fills(self.kernel_manager)
        me = psutil.Process()
        before = me.children(recursive=True)
        try:
            for kernel_id, exc in run_sync(shut_kernels)(self.kernel_manager):
                self.log.info("kernel %s not shut (ended with the others): %s", kernel_id, exc)
        finally:
            end_processes(before + me.children(recursive=True))
            # only now: a kernel still starting binds its sockets in this folder, and one that
            # found it gone printed a traceback of its own
            shutil.rmtree(self.connection_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """Run Voilà (same arguments) with the snapshot watch on its event loop; it ends with the
    process that started it (Linux)."""
    from workbench.runs.execution import _die_with_parent

    _die_with_parent()
    BriefingServer.launch_instance(argv)


if __name__ == "__main__":
    main()
