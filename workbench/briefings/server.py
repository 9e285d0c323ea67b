"""Voilà with one more duty: when a new snapshot is published, the preheated pages are recomputed.

A preheated page is rendered when its kernel starts, static copy included (see ``static``). Its
live widgets catch up with a new snapshot by themselves (each page polls), but the HTML Voilà hands
out was fixed at preheat time: without this, the first leaders after new submissions would read the
old figures for the seconds until the live widgets replaced them, or for good with JavaScript off.
Every ``$NRIS_BRIEFING_POLL`` seconds the server compares the snapshot each unclaimed preheated page
was computed from (its static copy's mark) with the current one, shuts the stale kernels down and
refills the pool. Kernels already handed to a leader are never touched.

    python -m workbench.briefings.server <voila arguments>   (what ``nris serve`` runs)
"""

from __future__ import annotations

import html
import re
from typing import Any

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


def main(argv: list[str] | None = None) -> None:
    """Run Voilà (same arguments) with the snapshot watch on its event loop."""
    from tornado.ioloop import PeriodicCallback
    from voila.app import Voila

    from analytics.store import snapshot_key
    from workbench.briefings import poll_seconds

    class BriefingServer(Voila):
        def listen(self) -> None:
            interval = poll_seconds()
            if interval > 0 and self.voila_configuration.preheat_kernel:
                PeriodicCallback(self._check_snapshot, interval * 1000).start()
            super().listen()

        async def _check_snapshot(self) -> None:
            try:
                n = await recycle_stale(self.kernel_manager, snapshot_key())
            except Exception as exc:  # keep serving; the pages still refresh themselves
                self.log.warning("snapshot check failed: %s: %s", type(exc).__name__, exc)
                return
            if n:
                self.log.info("new snapshot: recomputing %d preheated page(s)", n)

    BriefingServer.launch_instance(argv)


if __name__ == "__main__":
    main()
