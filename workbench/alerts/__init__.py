"""Alerts for the Operations Center: rules run after each snapshot, a book of what was found.

    from workbench import alerts
    alerts.evaluate()                      # run the rules on the current snapshot (outside the writer)
    alerts.book.alerts("active")           # open and acknowledged alerts, most severe first
    alerts.book.acknowledge([3], "lan")    # who and when are kept in <store>/alerts.sqlite

Modules: ``rules`` (plain functions, frames in, alerts out), ``book`` (SQLite: dedup by key, states),
``notify`` (spool and webhook), ``evaluate`` (gather -> rules -> book -> notify), ``report`` (the
section of the periodic reports). Importing this package loads nothing heavy.
"""

from __future__ import annotations

from typing import Any


def evaluate(**kwargs: Any) -> Any:
    """Run the alert rules on the current snapshot (see :func:`workbench.alerts.evaluate.evaluate`)."""
    from workbench.alerts.evaluate import evaluate as run

    return run(**kwargs)


__all__ = ["evaluate"]
