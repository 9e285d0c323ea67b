"""How many kernels a briefing page may hold, and what becomes of those no browser claims.

Voilà 0.5 computes a page in a kernel while it answers the request (the HTML is the notebook's
output), so a kernel exists before any browser can connect to it. Two bounds keep plain requests
(a crawler, a reload loop, a curious colleague's ``curl``) from filling the machine with kernels:

- a kernel handed to a page request that no browser connects to is shut down ``connect_timeout``
  seconds after its last activity (45 s by default), not after the idle timeout meant for a
  leader's tab that lost its connection (Voilà's own culling, ``MappingKernelManager``);
- each page holds at most ``limit`` kernels beyond its preheated pool (those being computed for a
  request or handed to one and still alive); the request beyond that gets a short "busy" page in
  Vietnamese and English with HTTP 503, and no kernel.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer


def utcnow() -> datetime:
    """Now, as Jupyter stamps a kernel's ``last_activity`` (timezone-aware UTC)."""
    return datetime.now(UTC)


class BriefingKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager that also culls kernels handed to a page but never connected to.

    Voilà builds its (preheating) manager on top of this class
    (``VoilaConfiguration.multi_kernel_manager_class``); pooled kernels are never culled, Voilà
    skips them before calling :meth:`cull_kernel_if_idle`.
    """

    connect_timeout = Integer(
        45,
        config=True,
        help="Seconds after its last activity before a kernel handed to a page request that no "
        "browser has connected to is shut down (culling runs every cull_interval seconds).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._claimed: set[str] = set()  # handed to a page request
        self._connected: set[str] = set()  # a browser has connected at least once

    def initialize_culler(self) -> None:
        if not self._initialized_culler and self.cull_idle_timeout > 0:
            self.log.info(
                "Culling kernels no browser connects to after %d s idle", self.connect_timeout
            )
        super().initialize_culler()

    def claim(self, kernel_id: str) -> None:
        """Note that ``kernel_id`` now serves a page request; its wait for a browser starts now
        (a preheated kernel may have been idle in the pool for hours)."""
        self._claimed.add(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = utcnow()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._connected.add(kernel_id)

    def unclaimed_by_browser(self, kernel_id: str) -> bool:
        """Whether ``kernel_id`` was handed to a page request and no browser ever connected."""
        return kernel_id in self._claimed and kernel_id not in self._connected

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        kernel = self._kernels.get(kernel_id)
        if (
            kernel is None
            or not self.unclaimed_by_browser(kernel_id)
            or getattr(kernel, "execution_state", None) == "dead"
            or not hasattr(kernel, "last_activity")
        ):
            await super().cull_kernel_if_idle(kernel_id)
            return
        idle = utcnow() - kernel.last_activity
        if (
            idle > timedelta(seconds=self.connect_timeout)
            and kernel.execution_state != "busy"
            and not self._kernel_connections.get(kernel_id, 0)
        ):
            self.log.info(
                "Culling kernel %s: no browser connected within %d s of its page",
                kernel_id,
                int(idle.total_seconds()),
            )
            await ensure_async(self.shutdown_kernel(kernel_id))

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._claimed.discard(kernel_id)
        self._connected.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)


@dataclass
class Claim:
    """One admitted page request: open while it is served, then held by its kernel while alive."""

    page: str
    kernel_id: str | None = None
    open: bool = True


@dataclass
class Admission:
    """At most ``limit`` kernels per page beyond the preheated pool; see :meth:`admit`."""

    limit: int
    _claims: dict[str, list[Claim]] = field(default_factory=dict)

    def in_use(self, page: str, alive: Callable[[str], bool]) -> int:
        """Kernels ``page`` holds for requests: requests being served, and kernels handed out
        that are still ``alive``."""
        page = page_key(page)
        held = [
            c
            for c in self._claims.get(page, [])
            if c.open or (c.kernel_id is not None and alive(c.kernel_id))
        ]
        self._claims[page] = held
        return len(held)

    def admit(self, page: str, alive: Callable[[str], bool]) -> Claim | None:
        """A claim for a request of ``page``, or None when the page already holds ``limit``."""
        if self.in_use(page, alive) >= self.limit:
            return None
        claim = Claim(page_key(page))
        self._claims[claim.page].append(claim)
        return claim


def page_key(path: str) -> str:
    """One name per notebook, however the request spells its path (``./a.ipynb``, ``a.ipynb/``)."""
    return posixpath.normpath("/" + (path or "").strip("/")).lstrip("/")


class ClaimingKernels:
    """The kernel manager as one page request sees it: the kernel it gets is recorded on its claim.

    Voilà's handler gets its kernel either from the pool (``get_rendered_notebook``) or by
    starting one (``start_kernel``); everything else passes through.
    """

    def __init__(self, manager: Any, claim: Claim) -> None:
        self._manager = manager
        self._claim = claim

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def _record(self, kernel_id: str) -> None:
        self._claim.kernel_id = kernel_id
        claim = getattr(self._manager, "claim", None)
        if claim is not None:
            claim(kernel_id)

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
        result = await self._manager.get_rendered_notebook(*args, **kwargs)
        self._record(result[2])  # (render task, rendered cells, kernel id)
        return result

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
        self._record(kernel_id)
        return kernel_id


RETRY_AFTER = 60  # seconds: a kernel no browser claims is gone by then


def busy_page(limit: int) -> str:
    """The page a request beyond the bound gets (HTTP 503): Vietnamese first, no script, no link
    beyond the server."""
    vi = (
        f"Trang này đang được {limit} người xem cùng lúc, đã đến giới hạn của máy chủ. "
        "Xin vui lòng thử lại sau ít phút."
    )
    en = (
        f"This page is open for {limit} viewers at once, the server's limit. "
        "Please try again in a few minutes."
    )
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{RETRY_AFTER}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Máy chủ đang bận | Server busy</title></head>"
        '<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em">'
        f"<h1>Máy chủ đang bận</h1><p>{html.escape(vi)}</p>"
        f'<h2 lang="en">Server busy</h2><p lang="en">{html.escape(en)}</p>'
        "</body></html>\n"
    )
