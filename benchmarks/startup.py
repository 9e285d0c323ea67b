"""CPU-seconds of ``nris`` commands as real processes, this checkout against a baseline checkout.

Each command is a fresh process (and, for ``nris run``, its papermill child and kernel): most of
its CPU is start-up, imports and loading the catalog, which is what this measures. CPU is user +
system time of the process and every descendant it waited for (``os.wait4``), so it does not
depend on the machine's load the way wall time does; wall time and the load average are printed
beside it. Runs of the two checkouts alternate, ``--repeat`` times each after one uncounted round
that caches both checkouts' bytecode alike; the median is reported.

    .venv/bin/python benchmarks/startup.py [--baseline ../main] [--repeat 5] [--only summary,run]

``run monthly`` is the monthly report (this checkout's notebook for both, so only the code
differs). Both checkouts use this interpreter and the same demo store (2015-01 to 2016-03, built
by this checkout in a temporary folder); ``--baseline`` is a checkout of the code before the change (the
main worktree, or ``git worktree add /tmp/base HEAD~N``).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PERIOD = "2016-03"
TINY = """{
 "cells": [
  {"cell_type": "code", "execution_count": null, "id": "p", "metadata": {"tags": ["parameters"]},
   "outputs": [], "source": ["period = \\"2016-03\\""]},
  {"cell_type": "code", "execution_count": null, "id": "c", "metadata": {}, "outputs": [],
   "source": ["print(period)"]}
 ],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5
}
"""


def commands(work: Path) -> dict[str, list[str]]:
    """The commands measured: each reads the demo store in ``work``."""
    return {
        "help": ["--help"],
        "summary": ["summary"],
        "catalog list": ["catalog", "list"],
        "template": [
            "template", "BC_KTXH_THANG", "--period", PERIOD, "--agency", "UBND_01",
            "--out", str(work / "form.xlsx"),
        ],
        "submit": ["submit", str(work / "filled.csv"), "--agency", "UBND_01"],
        "runs": ["runs"],
        "run tiny": ["run", "tiny", "--period", PERIOD, "--no-progress"],
        "run monthly": ["run", "monthly", "--period", PERIOD, "--no-progress"],
    }  # fmt: skip


def cpu_of(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(CPU-s of the process and its waited-for descendants, wall s, exit code).

    ``cwd`` must hold no checkout: ``python -m`` puts the working folder first on the path.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()[-400:]}")
    return usage.ru_utime + usage.ru_stime, wall, proc.returncode


def prepare(work: Path) -> dict[str, str]:
    """A demo store, a filled form, a schedule of one tiny notebook: the environment to use."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        # both checkouts' bytecode is cached alike, in one folder of this run (a checkout whose
        # __pycache__ is missing or stale would compile its modules again in every process)
        "PYTHONPYCACHEPREFIX": str(work / "pycache"),
        "NRIS_STORE": str(work / "store"),
        "NRIS_REPORTS": str(work / "reports"),
        "NRIS_SCHEDULES": str(work / "schedules.yml"),
        "PYTHONPATH": str(HERE),
    }
    nris = [sys.executable, "-m", "workbench.cli"]
    run = {"env": env, "cwd": work, "check": True, "capture_output": True}
    subprocess.run([*nris, "demo", "--end", PERIOD], **run)
    form = work / "form.csv"
    subprocess.run(
        [*nris, "template", "BC_KTXH_THANG", "--period", PERIOD, "--agency", "UBND_01",
         "--out", str(form)], **run,
    )  # fmt: skip
    rows = list(csv.reader(form.read_text(encoding="utf-8-sig").splitlines()))
    for row in rows:  # the value column takes the previous period's figure shown beside it
        if len(row) >= 7 and row[0].isdigit():
            row[5] = row[6]
    with (work / "filled.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    (work / "tiny.ipynb").write_text(TINY, encoding="utf-8")
    (work / "schedules.yml").write_text(
        f"jobs:\n  tiny:\n    notebook: {work / 'tiny.ipynb'}\n    freq: M\n    timeout: 120\n"
        "    retries: 0\n    backoff: 0\n"
        f"  monthly:\n    notebook: {HERE / 'notebooks' / 'reports' / 'monthly_report.ipynb'}\n"
        "    freq: M\n    timeout: 600\n    retries: 0\n    backoff: 0\n",
        encoding="utf-8",
    )
    # the first submit stores the form; the ones measured are audited duplicates (same work each)
    subprocess.run([*nris, "submit", str(work / "filled.csv"), "--agency", "UBND_01"], **run)
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=str(HERE.parent / "main"), help="baseline checkout")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", help="comma-separated command names (default: all)")
    args = ap.parse_args()
    base = Path(args.baseline).resolve()
    work = Path(tempfile.mkdtemp(prefix="nris-bench-startup-"))
    env = prepare(work)
    chosen = commands(work)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    trees = {"baseline": base, "this": HERE}
    print(f"baseline {base} | this {HERE} | {args.repeat} runs each, median CPU-s (wall s)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'command':<14} {'baseline':>16} {'this':>16} {'CPU ratio':>10}")
    totals = {"baseline": 0.0, "this": 0.0}
    for name, argv in chosen.items():
        cpu: dict[str, list[float]] = {k: [] for k in trees}
        wall: dict[str, list[float]] = {k: [] for k in trees}
        for i in range(args.repeat + 1):  # the first round (not counted) writes the bytecode
            for label, tree in trees.items():  # alternate, so load changes hit both alike
                c, w, _ = cpu_of(
                    [sys.executable, "-m", "workbench.cli", *argv],
                    {**env, "PYTHONPATH": str(tree)},
                    work,
                )
                if i:
                    cpu[label].append(c)
                    wall[label].append(w)
        med = {k: statistics.median(v) for k, v in cpu.items()}
        shown = {k: f"{med[k]:.2f} ({statistics.median(wall[k]):.2f})" for k in trees}
        ratio = med["this"] / med["baseline"]
        print(f"{name:<14} {shown['baseline']:>16} {shown['this']:>16} {ratio:>10.2f}")
        for k in totals:
            totals[k] += med[k]
    ratio = totals["this"] / totals["baseline"]
    print(f"{'all':<14} {totals['baseline']:>16.2f} {totals['this']:>16.2f} {ratio:>10.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
