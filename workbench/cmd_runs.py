"""``nris run``, ``nris runs`` and ``nris scheduler``: papermill runs, their history, the schedule."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the run, runs and scheduler subcommands."""
    p = sub.add_parser(
        "run",
        help="chạy một tác vụ báo cáo (papermill) | run a report job",
        description="Run a job of schedules.yml for a period: validate parameters, execute the "
        "notebook(s), write reports/<job>/<period>/<name>.ipynb and .html, record the run.",
    )
    p.add_argument("job", help="job name in schedules.yml (e.g. monthly_report)")
    p.add_argument("--period", help="2026-10, 2026-Q3 or 2026 (default: latest in the snapshot)")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="notebook parameter (repeatable); checked against the parameters cell",
    )
    p.add_argument("--workers", type=int, default=None, help="local processes for a fan-out")
    p.add_argument("--dask", metavar="ADDRESS", help="run the fan-out on this Dask scheduler")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)

    r = sub.add_parser(
        "runs", help="lịch sử chạy | run history", description="List recorded runs, newest first."
    )
    r.add_argument("--job")
    r.add_argument("--status", choices=["ok", "failed", "timeout", "running", "interrupted"])
    r.add_argument("--limit", type=int, default=30)
    r.set_defaults(func=_runs)

    s = sub.add_parser(
        "scheduler",
        help="lịch chạy định kỳ | the scheduler",
        description="start: run schedules.yml until SIGTERM/SIGINT/SIGHUP (persistent; each "
        "period missed while down runs once, oldest first, up to the schedule's catchup limit). "
        "list: next run times and the missed runs waiting.",
    )
    s.add_argument("action", choices=["start", "list"])
    s.set_defaults(func=_scheduler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    import os
    import signal

    from workbench.jobs import get_job
    from workbench.runs import parse_assignments, run_job
    from workbench.runs.execution import _die_with_parent

    # SIGTERM and SIGHUP stop a run as Ctrl+C does: its papermill child is stopped, the attempt
    # recorded as interrupted, nothing published. Started by the scheduler, it dies with it.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    if os.environ.get("NRIS_DIE_WITH_PARENT") == "1":
        _die_with_parent()
    job = get_job(args.job)
    params = parse_assignments(args.param)
    results = run_job(
        job,
        args.period,
        params,
        workers=args.workers,
        address=args.dask,
        progress=not args.no_progress,
    )
    bad = 0
    for r in results:
        mark = "ok " if r.status == "ok" else "LỖI"
        where = r.html if r.status == "ok" else r.error
        print(f"{mark} {r.job} {r.period} {r.name} (lần {r.attempt}, {r.seconds:.1f} s): {where}")
        bad += r.status != "ok"
    from analytics import paths

    print(f"Báo cáo / reports: {paths.reports_dir() / 'index.html'}")
    return 1 if bad else 0


def _runs(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench.runs import run_history

    df = run_history(args.job, args.status, args.limit)
    if df.empty:
        print("Chưa có lần chạy nào | no runs recorded")
        return 0
    cols = ["id", "job", "period", "name", "status", "attempt", "started", "ended", "error"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(df[cols].to_string(index=False))
    return 0


def _scheduler(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import store
    from workbench import scheduler

    if args.action == "list":
        with pd.option_context("display.width", 200):
            print(scheduler.next_runs().to_string(index=False))
        return 0
    print(
        "Bộ lập lịch đang chạy (Ctrl+C để dừng) | scheduler running (Ctrl+C to stop)",
        file=sys.stderr,
    )
    store.catch_up()  # publish what a killed writer left behind
    scheduler.start()
    return 0
