"""Job definitions and schedules (``schedules.yml``) and the report periods they run for.

A job names a notebook, the period frequency it reports on, fixed parameters, an optional fan-out
grid and its timeout/retry policy. A schedule is a cron expression in Asia/Ho_Chi_Minh tied to a
reporting regime. The file is ``$NRIS_SCHEDULES`` or ``schedules.yml`` at the project root.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analytics import paths, yamltext
from analytics.calendar import TIMEZONE
from analytics.errors import NrisError, unknown_code

FREQS = ("M", "Q", "6M", "9M", "A")
CATCHUP = 12
"""Default catch-up limit: at most this many missed periods of a schedule run after downtime."""


@dataclass(frozen=True)
class JobSpec:
    """One runnable job: a notebook, its period frequency, parameters, grid and run policy."""

    name: str
    notebook: Path
    freq: str = "M"
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    timeout: float = 1800.0
    retries: int = 2
    backoff: float = 60.0

    def tasks(self, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Parameter sets to run: the fixed params, the extra ones, times every grid point."""
        base = {**self.params, **(extra or {})}
        grid = {k: v for k, v in self.grid.items() if k not in (extra or {})}
        if not grid:
            return [base]
        keys = list(grid)
        return [
            {**base, **dict(zip(keys, combo, strict=True))}
            for combo in itertools.product(*(grid[k] for k in keys))
        ]

    def output_name(self, params: dict[str, Any]) -> str:
        """File stem of one task's report: the notebook name plus the grid values, made of safe
        characters only (ASCII letters, digits, ``.``, ``_``, ``-``; "Hà Nội" -> "Ha-Noi")."""
        parts = [self.notebook.stem] + [str(params[k]) for k in self.grid if k in params]
        return "_".join(safe_name(p) for p in parts)


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` as a file-name part: Vietnamese letters folded to ASCII, anything else but
    letters, digits, ``.``, ``_`` and ``-`` replaced by ``-``; never empty, never dot-leading."""
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    ascii_ = "".join(c for c in folded if not unicodedata.combining(c))
    out = re.sub(r"[^A-Za-z0-9._-]+|\.\.+", "-", ascii_)
    out = re.sub(r"-{2,}", "-", out).strip(".-")[:limit]
    return out or "x"


@dataclass(frozen=True)
class Schedule:
    """A cron trigger for a job (fields: minute hour day month day_of_week)."""

    job: str
    cron: str
    regime: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    catchup: int = CATCHUP
    name: str = ""

    @property
    def id(self) -> str:
        """The APScheduler job id: what the trigger is (job, parameters, name, cron)."""
        import json

        params = json.dumps(self.params, sort_keys=True, default=str) if self.params else ""
        name = f"#{self.name}" if self.name else ""
        return f"{self.job}{params}{name}@{self.cron}"

    @property
    def key(self) -> str:
        """What the scheduler's ledger remembers runs by: the job, its parameters and the
        schedule's ``name``, not the cron, so a schedule whose cron changes never repeats a period
        it already ran. Two schedules of one job with the same parameters need distinct names
        (``load_schedules`` checks), so each has a ledger of its own."""
        import json

        name = f"#{self.name}" if self.name else ""
        return f"{self.job}:{json.dumps(self.params, sort_keys=True, default=str)}{name}"


def schedules_path() -> Path:
    """``$NRIS_SCHEDULES`` or ``<root>/schedules.yml``."""
    env = os.environ.get("NRIS_SCHEDULES")
    return Path(env).resolve() if env else paths.root() / "schedules.yml"


def _read(path: Path | None = None) -> dict[str, Any]:
    path = path or schedules_path()
    if not path.exists():
        raise NrisError(f"Thiếu tệp lịch chạy {path}", f"schedules file missing: {path}")
    try:
        data = yamltext.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        where = yamltext.problem(exc)
        raise NrisError(
            f"{path.name}: lỗi cú pháp YAML ({where})", f"{path.name}: bad YAML ({where})"
        ) from None
    return data


def _grid_values(key: str, values: Any) -> list[Any]:
    if values == "provinces":
        from analytics.catalog import catalog

        return catalog().provinces()["code"].tolist()
    return list(values) if isinstance(values, list | tuple) else [values]


def load_jobs(path: Path | None = None) -> dict[str, JobSpec]:
    """Every job of the schedules file, validated (notebook exists, frequency known)."""
    raw = _read(path).get("jobs") or {}
    jobs = {}
    for name, spec in raw.items():
        spec = spec or {}
        nb = Path(str(spec.get("notebook", "")))
        nb = nb if nb.is_absolute() else paths.notebooks_dir() / nb
        freq = str(spec.get("freq", "M"))
        if freq not in FREQS:
            raise NrisError(
                f"Tác vụ {name}: tần suất '{freq}' không hợp lệ ({', '.join(FREQS)})",
                f"job {name}: unknown freq '{freq}' ({', '.join(FREQS)})",
            )
        if not nb.exists():
            raise NrisError(
                f"Tác vụ {name}: không thấy sổ {nb}", f"job {name}: notebook {nb} not found"
            )
        grid = {k: _grid_values(k, v) for k, v in (spec.get("grid") or {}).items()}
        jobs[name] = JobSpec(
            name=name,
            notebook=nb,
            freq=freq,
            params=dict(spec.get("params") or {}),
            grid=grid,
            timeout=_bounded(name, spec, "timeout", 1800, 1),
            retries=int(_bounded(name, spec, "retries", 2, 0, whole=True)),
            backoff=_bounded(name, spec, "backoff", 60, 0),
        )
    return jobs


def _bounded(
    job: str, spec: dict, key: str, default: float, least: float, whole: bool = False
) -> float:
    """A job's number (seconds, or a count when ``whole``), at least ``least``; anything else is
    refused at load rather than met at run time (a negative retries ran nothing)."""
    value = spec.get(key, default)
    kinds = (int,) if whole else (int, float)
    if not isinstance(value, kinds) or isinstance(value, bool) or not value >= least:
        kind_vi, kind_en = ("số nguyên", "an integer") if whole else ("số", "a number")
        raise NrisError(
            f"Tác vụ {job}: {key} phải là {kind_vi} >= {least}, nhận '{value}'",
            f"job {job}: {key} must be {kind_en} >= {least}, got '{value}'",
        )
    return float(value)


def get_job(name: str, path: Path | None = None) -> JobSpec:
    """One job by name; unknown names list the nearest ones."""
    jobs = load_jobs(path)
    if name not in jobs:
        raise unknown_code("tác vụ", "job", name, jobs)
    return jobs[name]


def load_schedules(path: Path | None = None) -> list[Schedule]:
    """The schedules of the file; each names a known job and a valid 5-field cron expression."""
    from apscheduler.triggers.cron import CronTrigger

    data = _read(path)
    jobs = load_jobs(path)
    out: list[Schedule] = []
    for item in data.get("schedules") or []:
        catchup = item.get("catchup", data.get("catchup", CATCHUP))
        if not isinstance(catchup, int) or isinstance(catchup, bool) or catchup < 0:
            raise NrisError(
                f"catchup của {item.get('job')} phải là số nguyên >= 0, nhận '{catchup}'",
                f"catchup of {item.get('job')} must be an integer >= 0, got '{catchup}'",
            )
        s = Schedule(
            job=str(item["job"]),
            cron=str(item["cron"]),
            regime=str(item.get("regime", "")),
            params=dict(item.get("params") or {}),
            catchup=catchup,
            name=str(item.get("name") or ""),
        )
        if s.job not in jobs:
            raise unknown_code("tác vụ", "job", s.job, jobs)
        if any(o.key == s.key for o in out):
            raise NrisError(
                f"Hai lịch của {s.job} cùng tham số và tên '{s.name}': đặt tên (name) riêng cho"
                " mỗi lịch để mỗi lịch có sổ theo dõi riêng",
                f"two schedules of {s.job} with the same parameters and name '{s.name}': give"
                " each its own name, so each keeps its own ledger",
            )
        try:
            CronTrigger.from_crontab(s.cron, timezone=TIMEZONE)
        except ValueError as exc:
            raise NrisError(
                f"Lịch '{s.cron}' của {s.job} không hợp lệ: {exc}",
                f"bad cron '{s.cron}' for {s.job}: {exc}",
            ) from None
        out.append(s)
    return out


# -- periods ----------------------------------------------------------------------------------
def latest_period(freq: str) -> dt.date:
    """The latest period of ``freq`` fully covered by the published snapshot's national data."""
    import pandas as pd

    from analytics.calendar import closed_period
    from analytics.load import last_month

    last = last_month("VN")
    if last is None:
        raise NrisError("Kho dữ liệu chưa có số liệu tháng", "the store has no monthly data")
    d = pd.Timestamp(last) + pd.offsets.MonthEnd(0)  # last day of the latest month
    return closed_period(d.date(), freq)
