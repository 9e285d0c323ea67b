"""Who sent a file: the operator's bindings of inbox folders and OS users to agencies.

A file says which agency it comes from, and ``nris submit --agency`` says so too; neither is proof.
On the file path the proof is where the file came from: an inbox folder that only one agency can
write to, or the OS account of the person running ``nris``. ``senders.yml`` (``$NRIS_SENDERS``,
default ``senders.yml`` under ``$NRIS_HOME``) binds them::

    inboxes:                  # folder -> the one agency whose files arrive there
      /srv/nris/inbox/ubnd_01: UBND_01
    users:                    # OS user -> the agencies it may submit for
      thongke: NSO
      vanthu: [UBND_01, UBND_79]

Without the file nothing is bound and the agency named by ``--agency`` or the file is believed (the
demo and a single-operator setup); ``nris submit`` and ``nris ingest`` say so on stderr. With it, a
folder or user it does not bind is refused. The exchange service will bind agencies to credentials.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path

import yaml

from analytics import paths, yamltext
from analytics.catalog import catalog
from analytics.errors import NrisError


@dataclass(frozen=True)
class Sender:
    """The agencies a submission may come from, and how that was established."""

    agencies: frozenset[str] | None  # None: nothing configured, the file's own word is taken
    how: str  # "inbox /srv/...", "user thongke" or "unconfigured"

    @property
    def agency(self) -> str | None:
        """The one agency, when the binding names exactly one."""
        return next(iter(self.agencies)) if self.agencies and len(self.agencies) == 1 else None


def config_path() -> Path:
    """The bindings file: ``$NRIS_SENDERS`` or ``senders.yml`` under the project root."""
    env = os.environ.get("NRIS_SENDERS")
    return Path(env).resolve() if env else paths.root() / "senders.yml"


def os_user() -> str:
    """The OS account running this process (from the kernel's uid, not from $USER)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _agencies(value: object, where: str, known: set[str]) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    out = frozenset(str(v).strip().upper() for v in items)
    bad = sorted(out - known)
    if not out or bad:
        raise NrisError(
            f"{config_path()}: {where}: không có cơ quan {', '.join(bad) or '(trống)'}",
            f"{config_path()}: {where}: unknown agency {', '.join(bad) or '(empty)'}",
        )
    return out


def bindings() -> tuple[dict[Path, frozenset[str]], dict[str, frozenset[str]]] | None:
    """(inbox folder -> agencies, OS user -> agencies), or None when no bindings file exists."""
    path = config_path()
    if not path.exists():
        return None
    try:
        doc = yamltext.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        what = yamltext.problem(exc) if isinstance(exc, yaml.YAMLError) else "not UTF-8"
        raise NrisError(
            f"{path}: không đọc được ({what})", f"{path}: cannot be read ({what})"
        ) from None
    if not isinstance(doc, dict) or set(doc) - {"inboxes", "users"}:
        raise NrisError(
            f"{path}: chỉ được có 'inboxes' và 'users'",
            f"{path}: only 'inboxes' and 'users' allowed",
        )
    known = set(catalog().agencies["code"])
    inboxes = {
        (paths.root() / str(folder)).resolve(): _agencies(v, f"inboxes '{folder}'", known)
        for folder, v in (doc.get("inboxes") or {}).items()
    }
    users = {
        str(user): _agencies(v, f"users '{user}'", known)
        for user, v in (doc.get("users") or {}).items()
    }
    return inboxes, users


def sender(folder: str | Path | None = None) -> Sender:
    """Who may have sent files found in ``folder`` (an inbox, or a submitted file's folder).

    An inbox binding wins over the user's; a configured setup that binds neither is refused.
    """
    found = bindings()
    if found is None:
        return Sender(None, "unconfigured")
    inboxes, users = found
    if folder is not None:
        where = Path(folder).resolve()
        if where in inboxes:
            return Sender(inboxes[where], f"inbox {where}")
    user = os_user()
    if user in users:
        return Sender(users[user], f"user {user}")
    raise NrisError(
        f"{config_path()} không gắn người dùng '{user}'"
        + (f" hay thư mục '{folder}'" if folder is not None else "")
        + " với cơ quan nào; không nhận tệp",
        f"{config_path()} binds neither user '{user}'"
        + (f" nor folder '{folder}'" if folder is not None else "")
        + " to an agency; files refused",
    )


def resolve(folder: str | Path | None, agency_arg: str | None) -> tuple[str | None, Sender]:
    """The agency to submit as, given ``--agency`` and the bindings; ``--agency`` must be bound."""
    who = sender(folder)
    if who.agencies is None:
        return (agency_arg.strip().upper() if agency_arg else None), who
    if agency_arg and agency_arg.strip().upper() not in who.agencies:
        bound = ", ".join(sorted(who.agencies))
        raise NrisError(
            f"--agency {agency_arg}: {who.how} chỉ được nộp cho {bound}",
            f"--agency {agency_arg}: {who.how} may submit for {bound} only",
        )
    return (agency_arg.strip().upper() if agency_arg else who.agency), who
