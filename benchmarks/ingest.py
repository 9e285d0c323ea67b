"""Ingest benchmark: one month's submissions from every agency, end to end, against read_excel.

Builds a demo store (2015-01 .. 2022-06) in a temporary folder, writes filled .xlsx forms for every
submitter of every monthly regime (2022-07), quarterly regime (2022-Q3) and annual regime (2021),
then submits them one after the other as the inbox would. Prints files/s, rows/s, and the cost per
file against a bare ``pandas.read_excel`` of the same file measured in the same run; and the cost of
the input limits (regular file only, size, the zip's directory, rows, cell length, every row whatever
``<dimension>`` says) against the same read without them, interleaved file by file in the same run.

    .venv/bin/python benchmarks/ingest.py [--end 2022-06]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end", default="2022-06", help="last month of the demo store")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nris-bench-ingest-"))
    os.environ["NRIS_STORE"] = str(tmp / "store")

    import pandas as pd

    from analytics import catalog, ingest, store, templates
    from analytics.demo import build_demo

    t0 = time.perf_counter()
    build_demo(end=args.end)
    print(
        f"demo store to {args.end}: {time.perf_counter() - t0:.1f} s, "
        f"{store.snapshot_info()['rows']:,} observations"
    )

    end = pd.Timestamp(args.end)
    month = (end + pd.DateOffset(months=1)).strftime("%Y-%m")
    nxt = end + pd.DateOffset(months=1)
    quarter = f"{nxt.year}-Q{(nxt.month - 1) // 3 + 1}"
    year = str(end.year - 1)
    cat = catalog()
    regimes = cat.regimes.set_index("code")
    jobs = []
    for regime, agency in cat.regime_submitters.itertuples(index=False):
        freq = regimes.loc[regime, "frequency"]
        period = {"M": month, "Q": quarter, "A": year}.get(freq)
        if period:
            jobs.append((regime, agency, period))
    files = []
    forms = tmp / "forms"
    t0 = time.perf_counter()
    for regime, agency, period in jobs:
        out = templates.write_template(regime, period, agency, forms / f"{agency}_{regime}.xlsx")
        _, table = templates.template_frame(regime, period, agency)
        prev = table["previous"].astype(float).fillna(1.0) * 1.01
        templates.fill_template(
            out,
            dict(zip(zip(table["code"], table["area"], strict=True), prev.round(2), strict=True)),
        )
        files.append(out)
    print(f"wrote {len(files)} filled forms in {time.perf_counter() - t0:.1f} s")
    agencies = {a for _, a, _ in jobs}
    ministries = {a for a in agencies if not a.startswith("UBND_")}
    print(
        f"agencies: {len(ministries)} ministries/agencies + {len(agencies) - len(ministries)} "
        f"provinces, {len({r for r, _, _ in jobs})} regimes"
    )

    read_t = []
    for f in files:
        t = time.perf_counter()
        pd.read_excel(f, header=None)
        read_t.append(time.perf_counter() - t)
    check_t = []
    for f in files:
        t = time.perf_counter()
        ingest.check(f, received_at=dt.datetime(nxt.year, nxt.month, 16, 9))
        check_t.append(time.perf_counter() - t)
    extra = limits_cost(files)
    submit_t, rows, statuses = [], 0, []
    t_all = time.perf_counter()
    for f in files:
        t = time.perf_counter()
        r = ingest.submit(f)
        submit_t.append(time.perf_counter() - t)
        rows += r.n_rows
        statuses.append(r.status)
    total = time.perf_counter() - t_all
    ok = statuses.count("accepted")
    print(
        f"submitted {len(files)} files: {ok} accepted, {len(files) - ok} not "
        f"({', '.join(sorted(set(statuses)))}); {rows:,} rows"
    )
    print(
        f"end to end: {total:.1f} s = {len(files) / total:.2f} files/s, {rows / total:.0f} rows/s"
    )
    med = statistics.median
    print(
        f"per file (median): read_excel {1000 * med(read_t):.1f} ms | parse+validate "
        f"{1000 * med(check_t):.1f} ms | submit (validate + transaction + republish) "
        f"{1000 * med(submit_t):.1f} ms"
    )
    print(
        f"ratio to read_excel: parse+validate x{med(check_t) / med(read_t):.1f}, "
        f"submit x{med(submit_t) / med(read_t):.1f}"
    )
    print(
        f"limits: {1000 * extra:+.2f} ms per file = {100 * extra / med(submit_t):+.2f}% of a submit"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def limits_cost(files: list[Path], rounds: int = 5) -> float:
    """Read every form with the limits and without them, alternating; print both medians and
    return the difference (seconds per file)."""
    import io

    import openpyxl

    from analytics import submission_files as sf

    limits = sf.Limits()

    def unchecked(path: Path) -> int:  # the read as it was before the limits
        data = path.read_bytes()
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        rows = [
            [sf.nfc(c) for c in r] for ws in wb.worksheets for r in ws.iter_rows(values_only=True)
        ]
        wb.close()
        return len(rows)

    def checked(path: Path) -> int:
        sheets = sf.read_sheets(sf.read_file(path, limits), path.name, limits)
        return sum(len(s.rows) for s in sheets)

    with_t: list[float] = []
    without_t: list[float] = []
    for r in range(rounds):
        for i, f in enumerate(files):
            pair = [(checked, with_t), (unchecked, without_t)]
            for fn, out in pair if (i + r) % 2 else pair[::-1]:
                t = time.perf_counter()
                fn(f)
                out.append(time.perf_counter() - t)
    med = statistics.median
    print(
        f"read with limits {1000 * med(with_t):.2f} ms | without {1000 * med(without_t):.2f} ms "
        f"per file (median of {len(with_t)} reads each, interleaved): "
        f"ratio x{med(with_t) / med(without_t):.3f}, "
        f"{1000 * (med(with_t) - med(without_t)):+.2f} ms per file"
    )
    return med(with_t) - med(without_t)


if __name__ == "__main__":
    main()
