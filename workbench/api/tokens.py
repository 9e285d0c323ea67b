"""Agencies' API tokens, idempotency records and rate counters: one SQLite file in the store folder.

A token is ``nris_<id>_<secret>``; only a salted scrypt hash of the secret is kept, with the agency,
role, expiry and revocation. SQLite in WAL mode lets several server workers read and write it at
once. The idempotency table keeps the first answer to each (token, Idempotency-Key) so a retried
request gets it again; the rate table counts each token's requests per time window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics import paths
from analytics.catalog import catalog
from analytics.errors import NrisError

ROLES = ("reader", "submitter", "admin")
SCRYPT = {"n": 2**12, "r": 8, "p": 1, "dklen": 32}
"""A secret is 256 random bits, so no cost factor is needed against guessing; the salted hash keeps
a copied file from yielding a usable token. n=2**12 (~30 ms) is paid once per token and worker."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY, agency TEXT NOT NULL, role TEXT NOT NULL,
    salt BLOB NOT NULL, hash BLOB NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS idempotency (
    token_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending | done
    owner_pid INTEGER, status_code INTEGER, body TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE TABLE IF NOT EXISTS rate (
    token_id TEXT NOT NULL, window INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (token_id, window)
);
"""


@dataclass(frozen=True)
class Token:
    """A stored token's public facts (never its secret)."""

    token_id: str
    agency: str
    role: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def state(self, now: dt.datetime | None = None) -> str:
        """'active', 'expired' or 'revoked'."""
        now = now or dt.datetime.now(dt.UTC)
        if self.revoked_at:
            return "revoked"
        if self.expires_at and dt.datetime.fromisoformat(self.expires_at) <= now:
            return "expired"
        return "active"


def db_path() -> Path:
    """The SQLite file beside the store's database."""
    return paths.store_dir() / "api.sqlite"


_local = threading.local()


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """This thread's connection in WAL mode (readers and one writer at a time across processes),
    opened once per thread and store folder: a request pays no connect or schema cost."""
    path = db_path()
    cons: dict[Path, sqlite3.Connection] = getattr(_local, "cons", None) or {}
    _local.cons = cons
    con = cons.get(path)
    if con is None or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executescript(SCHEMA)
        cons[path] = con
    yield con


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)  # type: ignore[arg-type]


def _agency(code: str) -> str:
    code = code.strip().upper()
    known = set(catalog().agencies["code"])
    if code not in known:
        from analytics.errors import unknown_code

        raise unknown_code("cơ quan", "agency", code, known)
    return code


def parse_expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """``--expires``: a duration ('90d', '12h') or a date/time ('2027-01-31'); None never expires."""
    if not text:
        return None
    now = now or dt.datetime.now(dt.UTC)
    t = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    if t[:-1].isdigit() and t[-1] in units:
        return now + dt.timedelta(**{units[t[-1]]: int(t[:-1])})
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise NrisError(
            f"--expires '{text}': cần số ngày (90d), giờ (12h) hoặc ngày (2027-01-31)",
            f"--expires '{text}': expected days (90d), hours (12h) or a date (2027-01-31)",
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def create(agency: str, role: str = "submitter", expires: dt.datetime | None = None) -> str:
    """A new token for ``agency``; returns the token text (shown once, never stored)."""
    if role not in ROLES:
        raise NrisError(
            f"vai trò '{role}' không hợp lệ ({', '.join(ROLES)})",
            f"unknown role '{role}' ({', '.join(ROLES)})",
        )
    agency = _agency(agency)
    token_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    salt = os.urandom(16)
    with connect() as con:
        con.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                token_id,
                agency,
                role,
                salt,
                _hash(secret, salt),
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                expires.isoformat(timespec="seconds") if expires else None,
            ],
        )
    return f"nris_{token_id}_{secret}"


def _row(r: tuple) -> Token:
    return Token(*r)


def list_tokens(agency: str | None = None) -> list[Token]:
    """Every token (of one agency), newest first."""
    sql = "SELECT token_id, agency, role, created_at, expires_at, revoked_at FROM tokens"
    with connect() as con:
        if agency:
            rows = con.execute(
                sql + " WHERE agency = ? ORDER BY created_at DESC", [_agency(agency)]
            ).fetchall()
        else:
            rows = con.execute(sql + " ORDER BY agency, created_at DESC").fetchall()
    return [_row(r) for r in rows]


def revoke(agency: str, token_id: str | None = None) -> int:
    """Revoke one token of ``agency`` (or all its active tokens); returns how many."""
    agency = _agency(agency)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with connect() as con:
        if token_id:
            cur = con.execute(
                "UPDATE tokens SET revoked_at = ? WHERE agency = ? AND token_id = ? "
                "AND revoked_at IS NULL",
                [now, agency, token_id],
            )
        else:
            cur = con.execute(
                "UPDATE tokens SET revoked_at = ? WHERE agency = ? AND revoked_at IS NULL",
                [now, agency],
            )
        return cur.rowcount


_VERIFIED: dict[str, str] = {}  # sha256(token) -> token_id: scrypt is paid once per process


def verify(text: str) -> Token | None:
    """The active token ``text`` names, or None (unknown, wrong secret, expired or revoked).

    The secret's scrypt hash is compared once per process; revocation and expiry are read from the
    file on every call, so revoking takes effect at once in every worker.
    """
    parts = text.split("_")
    if len(parts) < 3 or parts[0] != "nris":
        return None
    token_id, secret = parts[1], "_".join(parts[2:])
    with connect() as con:
        row = con.execute(
            "SELECT token_id, agency, role, created_at, expires_at, revoked_at, salt, hash "
            "FROM tokens WHERE token_id = ?",
            [token_id],
        ).fetchone()
    if row is None:
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()
    if _VERIFIED.get(digest) != token_id:
        if not hmac.compare_digest(_hash(secret, row[6]), row[7]):
            return None
        _VERIFIED[digest] = token_id
    token = _row(row[:6])
    return token if token.state() == "active" else None


def count_request(token_id: str, per: int, now: float) -> int:
    """Count one request of ``token_id`` in the current ``per``-second window; returns the count."""
    window = int(now // per)
    with connect() as con:
        n = con.execute(
            "INSERT INTO rate VALUES (?, ?, 1) ON CONFLICT (token_id, window) "
            "DO UPDATE SET n = n + 1 RETURNING n",
            [token_id, window],
        ).fetchone()[0]
        if n == 1:
            con.execute("DELETE FROM rate WHERE window < ?", [window - 1])
    return int(n)


def idempotency_claim(token_id: str, key: str, request_hash: str) -> tuple[str, Any]:
    """Claim (token, key): ('new', None), ('done', (status, body)), ('busy', None) or
    ('mismatch', None) when the key was used for another request.

    A pending claim whose worker died (its pid is gone) is taken over: the retry runs again, and the
    store's duplicate check keeps whatever the dead worker had committed from being stored twice.
    """
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with connect() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(
                "SELECT request_hash, state, owner_pid, status_code, body FROM idempotency "
                "WHERE token_id = ? AND key = ?",
                [token_id, key],
            ).fetchone()
            if row is None or (row[1] == "pending" and not _alive(row[2])):
                con.execute(
                    "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, 'pending', ?, NULL, "
                    "NULL, ?)",
                    [token_id, key, request_hash, os.getpid(), now],
                )
                outcome: tuple[str, Any] = ("new", None)
            elif row[0] != request_hash:
                outcome = ("mismatch", None)
            elif row[1] == "done":
                outcome = ("done", (int(row[3]), json.loads(row[4])))
            else:
                outcome = ("busy", None)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return outcome


def idempotency_store(token_id: str, key: str, status: int, body: Any) -> None:
    """Keep the answer to a claimed (token, key)."""
    with connect() as con:
        con.execute(
            "UPDATE idempotency SET state = 'done', status_code = ?, body = ? "
            "WHERE token_id = ? AND key = ?",
            [status, json.dumps(body, ensure_ascii=False), token_id, key],
        )


def idempotency_release(token_id: str, key: str) -> None:
    """Forget a claim whose request failed before any answer (so a retry runs again)."""
    with connect() as con:
        con.execute(
            "DELETE FROM idempotency WHERE token_id = ? AND key = ? AND state = 'pending'",
            [token_id, key],
        )


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
