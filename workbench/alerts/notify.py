"""Notifications of new alerts: a local spool (the default) and a webhook, behind one interface.

A notifier's ``send`` never waits on the network: the spool writes local files (maildir style:
each alert is written under ``tmp/`` and renamed into ``new/``, so a reader never sees half a
file), and the webhook hands the alerts to a background thread that posts them with retries and
backoff. Alerts are evaluated outside the writer, after the snapshot is published, so nothing here
can hold up a submission either way.

Configuration: ``$NRIS_ALERT_SPOOL`` (default ``<store>/alerts/spool``; ``off`` disables it) and
``$NRIS_ALERT_WEBHOOK`` (a URL; none by default).
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from analytics import paths
from workbench.alerts.rules import Alert

_counter = itertools.count()


class Notifier(Protocol):
    """Something that tells people about new alerts; ``send`` returns without waiting."""

    def send(self, alerts: Sequence[Alert]) -> None:
        """Deliver (or queue) the alerts."""

    def close(self, timeout: float = 0.0) -> None:
        """Let queued deliveries finish for up to ``timeout`` seconds."""


def _payload(alert: Alert) -> dict:
    return {"type": "nris.alert", **alert.as_dict()}


class SpoolNotifier:
    """One JSON file per alert in a maildir: written to ``tmp/``, then renamed into ``new/``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, alerts: Sequence[Alert]) -> None:
        """Write each alert's file (the rename makes it appear whole)."""
        tmp, new = self.folder / "tmp", self.folder / "new"
        for d in (tmp, new, self.folder / "cur"):
            d.mkdir(parents=True, exist_ok=True)
        host = socket.gethostname().replace("/", "_").replace(":", "_")
        for alert in alerts:
            name = f"{time.time_ns()}.P{os.getpid()}Q{next(_counter)}.{host}"
            path = tmp / name
            with open(path, "x", encoding="utf-8") as fh:
                json.dump(_payload(alert), fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(path, new / f"{name}.json")

    def close(self, timeout: float = 0.0) -> None:
        """Nothing is queued: every file is written by ``send``."""


class WebhookNotifier:
    """POST each batch of alerts as JSON to ``url`` from a background thread.

    A failed post (connection refused, timeout, HTTP status >= 300) is tried again after
    ``backoff`` seconds, doubling each time, ``retries`` times in all; then it is reported on
    stderr and dropped (the spool keeps every alert). ``delivered`` and ``failed`` count batches.
    """

    def __init__(
        self, url: str, retries: int = 5, backoff: float = 1.0, timeout: float = 10.0
    ) -> None:
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0
        self.attempts = 0
        self._threads: list[threading.Thread] = []

    def send(self, alerts: Sequence[Alert]) -> None:
        """Queue the batch and return at once."""
        if not alerts:
            return
        body = json.dumps(
            {"type": "nris.alerts", "alerts": [_payload(a) for a in alerts]}, ensure_ascii=False
        ).encode("utf-8")
        t = threading.Thread(target=self._post, args=(body,), daemon=True, name="nris-webhook")
        self._threads.append(t)
        t.start()

    def _post(self, body: bytes) -> None:
        delay = self.backoff
        for attempt in range(1, self.retries + 1):
            self.attempts += 1
            req = urllib.request.Request(
                self.url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    if resp.status < 300:
                        self.delivered += 1
                        return
                    reason = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
            except (OSError, urllib.error.URLError) as exc:
                reason = type(exc).__name__
            if attempt < self.retries:
                time.sleep(delay)
                delay *= 2
        self.failed += 1
        print(
            f"nris: không gửi được cảnh báo tới webhook sau {self.retries} lần ({reason}) | "
            f"webhook delivery failed after {self.retries} attempts ({reason})",
            file=sys.stderr,
            flush=True,
        )

    def close(self, timeout: float = 0.0) -> None:
        """Wait up to ``timeout`` seconds in all for the queued posts."""
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]


def spool_dir() -> Path | None:
    """The spool folder (``$NRIS_ALERT_SPOOL``, default ``<store>/alerts/spool``; None if off)."""
    env = os.environ.get("NRIS_ALERT_SPOOL")
    if env and env.lower() == "off":
        return None
    return Path(env) if env else paths.store_dir() / "alerts" / "spool"


def configured() -> list[Notifier]:
    """The notifiers the environment asks for: the spool, and the webhook when a URL is set."""
    out: list[Notifier] = []
    folder = spool_dir()
    if folder is not None:
        out.append(SpoolNotifier(folder))
    url = os.environ.get("NRIS_ALERT_WEBHOOK")
    if url:
        out.append(WebhookNotifier(url))
    return out
