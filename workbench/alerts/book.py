"""The alert book: every alert once, by its key, with who acknowledged and resolved it and when.

SQLite in the store folder (``<store>/alerts.sqlite``): the watcher writes a few rows after each
snapshot, the CLI acknowledges and resolves, briefings read, all at once without a server. It also
keeps each snapshot's P(target met), so the next snapshot can tell how far the odds moved.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from analytics import calendar, paths
from analytics.errors import NrisError
from workbench.alerts.rules import SEVERITIES, Alert

STATES = ("open", "acknowledged", "resolved")
FIELDS = ["key", "rule", "severity", "indicator", "area", "period", "why_vi", "why_en", "link",
          "agency", "regime"]  # fmt: skip
COLUMNS = ["alert_id", *FIELDS, "state", "first_snapshot", "first_seen", "last_seen",
           "acked_by", "acked_at", "resolved_by", "resolved_at"]  # fmt: skip

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE, rule TEXT, severity TEXT, indicator TEXT, area TEXT, period TEXT,
    why_vi TEXT, why_en TEXT, link TEXT, agency TEXT, regime TEXT,
    state TEXT NOT NULL DEFAULT 'open', first_snapshot TEXT, first_seen TEXT, last_seen TEXT,
    acked_by TEXT, acked_at TEXT, resolved_by TEXT, resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS odds (
    snapshot TEXT NOT NULL, code TEXT NOT NULL, p_met REAL, recorded_at TEXT,
    PRIMARY KEY (snapshot, code)
);
CREATE TABLE IF NOT EXISTS evaluations (
    snapshot TEXT NOT NULL, evaluated_at TEXT, new_alerts INTEGER, seconds REAL
);
"""
_SEVERITY_ORDER = "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"


def db_path() -> Path:
    """The alert book, beside the snapshots."""
    return paths.store_dir() / "alerts.sqlite"


@contextlib.contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """A connection in one transaction (committed on leaving, rolled back on error)."""
    db_path().parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db_path(), timeout=30)
    try:
        con.executescript(SCHEMA)
        with con:
            yield con
    finally:
        con.close()


def _now() -> str:
    return pd.Timestamp(calendar.now()).floor("s").isoformat()


def record(alerts: Iterable[Alert], snapshot: str) -> list[Alert]:
    """Store the alerts not yet in the book; returns those that are new (to notify).

    An alert already there (the same event seen again in a later snapshot) only has its
    ``last_seen`` moved; its state is left as people set it.
    """
    new: list[Alert] = []
    now = _now()
    with connect() as con:
        for a in alerts:
            row = a.as_dict()
            cur = con.execute(
                f"INSERT OR IGNORE INTO alerts ({', '.join(FIELDS)}, state, first_snapshot, "
                f"first_seen, last_seen) VALUES ({', '.join('?' * len(FIELDS))}, 'open', ?, ?, ?)",
                [row[f] for f in FIELDS] + [snapshot, now, now],
            )
            if cur.rowcount == 1:
                new.append(a)
            else:
                con.execute("UPDATE alerts SET last_seen = ? WHERE key = ?", [now, a.key])
    return new


def alerts(
    state: str | Iterable[str] | None = None,
    severity: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Alerts, most severe and newest first; ``state`` "open", "acknowledged", "resolved", a list
    of them, "active" (open or acknowledged) or None (all)."""
    if not db_path().exists():
        return pd.DataFrame(columns=COLUMNS)
    where, params = [], []
    states = ["open", "acknowledged"] if state == "active" else state
    if states is not None:
        wanted = [states] if isinstance(states, str) else list(states)
        where.append(f"state IN ({', '.join('?' * len(wanted))})")
        params += wanted
    if severity is not None:
        where.append("severity = ?")
        params.append(severity)
    sql = f"SELECT {', '.join(COLUMNS)} FROM alerts"
    sql += f" WHERE {' AND '.join(where)}" if where else ""
    sql += f" ORDER BY {_SEVERITY_ORDER}, alert_id DESC"
    sql += f" LIMIT {int(limit)}" if limit else ""
    with connect() as con:
        rows = con.execute(sql, params).fetchall()
    return pd.DataFrame(rows, columns=COLUMNS)


def counts() -> dict[str, int]:
    """Active (open or acknowledged) alerts by severity, and their total."""
    df = alerts("active")
    out = {s: int((df["severity"] == s).sum()) for s in SEVERITIES}
    out["total"] = len(df)
    return out


def _set(ids: Iterable[int | str], state: str, who: str) -> int:
    col = "acked" if state == "acknowledged" else "resolved"
    wanted = [str(i) for i in ids]
    if not wanted:
        return 0
    now = _now()
    done = 0
    with connect() as con:
        for ident in wanted:
            row = con.execute(
                "SELECT alert_id, state FROM alerts WHERE CAST(alert_id AS TEXT) = ? OR key = ?",
                [ident, ident],
            ).fetchall()
            if not row:
                raise NrisError(f"không có cảnh báo '{ident}'", f"no alert '{ident}'")
            alert_id, current = row[0]
            if state == "acknowledged" and current == "resolved":
                continue  # resolving is final; acknowledging it again changes nothing
            con.execute(
                f"UPDATE alerts SET state = ?, {col}_by = ?, {col}_at = ? WHERE alert_id = ?",
                [state, who, now, alert_id],
            )
            done += 1
    return done


def acknowledge(ids: Iterable[int | str], who: str) -> int:
    """Mark alerts (by id or key) acknowledged by ``who``, now; returns how many changed."""
    return _set(ids, "acknowledged", who)


def resolve(ids: Iterable[int | str], who: str) -> int:
    """Mark alerts (by id or key) resolved by ``who``, now; returns how many changed."""
    return _set(ids, "resolved", who)


def resolve_keys(keys: Iterable[str], who: str) -> int:
    """Resolve the unresolved alerts among ``keys`` (what the evaluation found cleared)."""
    keys = list(keys)
    if not keys or not db_path().exists():
        return 0
    with connect() as con:
        found = [
            k
            for (k,) in con.execute(
                f"SELECT key FROM alerts WHERE state != 'resolved' AND key IN "
                f"({', '.join('?' * len(keys))})",
                keys,
            ).fetchall()
        ]
    return resolve(found, who) if found else 0


def record_odds(snapshot: str, odds: Mapping[str, float]) -> None:
    """Keep a snapshot's P(target met) per target code."""
    now = _now()
    with connect() as con:
        con.executemany(
            "INSERT OR REPLACE INTO odds VALUES (?, ?, ?, ?)",
            [(snapshot, code, float(p), now) for code, p in odds.items()],
        )


def previous_odds(snapshot: str) -> dict[str, float]:
    """P(target met) per target as last recorded for a snapshot other than ``snapshot``."""
    if not db_path().exists():
        return {}
    with connect() as con:
        rows = con.execute(  # in the order recorded: the last one per target wins
            "SELECT code, p_met FROM odds WHERE snapshot != ? ORDER BY rowid", [snapshot]
        ).fetchall()
    return {code: float(p) for code, p in rows if p is not None}


def record_evaluation(snapshot: str, new_alerts: int, seconds: float) -> None:
    """Log one evaluation (what snapshot, how many new alerts, how long it took)."""
    with connect() as con:
        con.execute(
            "INSERT INTO evaluations VALUES (?, ?, ?, ?)", [snapshot, _now(), new_alerts, seconds]
        )


def evaluated(snapshot: str) -> bool:
    """Whether ``snapshot`` has been evaluated already."""
    if not db_path().exists():
        return False
    with connect() as con:
        return bool(
            con.execute(
                "SELECT 1 FROM evaluations WHERE snapshot = ? LIMIT 1", [snapshot]
            ).fetchall()
        )
