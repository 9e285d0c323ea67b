"""``nris demo``, ``nris catalog``, ``nris load`` and ``nris summary``."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import analytics
from analytics import fmt, paths
from analytics.errors import NrisError

# pandas, polars and the store load inside the commands: ``nris --help`` and the other commands
# do not wait for them.

TRANSFORMS = ("level", "mom", "yoy", "ytd", "ytd_yoy")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the data subcommands."""
    p = sub.add_parser("demo", help="build the demo data store (dữ liệu mẫu)")
    p.add_argument("--end", help="last month, YYYY-MM (default: the latest complete month)")
    p.add_argument("--seed", type=int, default=2015, help="random seed (default 2015)")
    p.add_argument(
        "--batches", type=int, default=1, help="write in N transactions, publishing after each"
    )
    p.add_argument("--reset", action="store_true", help="delete the existing store first")
    p.add_argument(
        "--if-empty", action="store_true", help="do nothing when the store already has data"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("catalog", help="list or show catalog entries (danh mục chỉ tiêu)")
    csub = p.add_subparsers(dest="catalog_cmd", metavar="list|show|check", required=True)
    lp = csub.add_parser("list", help="list indicators")
    lp.add_argument("--domain", help="only this domain")
    lp.add_argument("--lang", choices=("vi", "en"), default="vi")
    lp.set_defaults(func=cmd_catalog_list)
    sp = csub.add_parser("show", help="show one indicator")
    sp.add_argument("code")
    sp.set_defaults(func=cmd_catalog_show)
    cp = csub.add_parser("check", help="validate the catalog files")
    cp.set_defaults(func=cmd_catalog_check)

    p = sub.add_parser("load", help="print or export one indicator's data")
    p.add_argument("code", nargs="+", help="indicator code(s)")
    p.add_argument("--area", action="append", help="area code (repeatable); default all")
    p.add_argument("--start", help="first period, YYYY-MM")
    p.add_argument("--end", help="last period, YYYY-MM")
    p.add_argument("--as-of", help="what was known at this time (YYYY-MM-DD[THH:MM])")
    p.add_argument("--transform", choices=TRANSFORMS, default="level")
    p.add_argument(
        "--source",
        help="one agency's own series (e.g. NSO) instead of the consolidated figures",
    )
    p.add_argument("--out", help="write to FILE.csv, .parquet or .xlsx instead of printing")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("summary", help="national summary of the latest month")
    p.add_argument("--lang", choices=("vi", "en"), default="vi")
    p.add_argument("--area", default="VN")
    p.set_defaults(func=cmd_summary)


def _month(text: str | None, flag: str) -> str | None:
    """The day a user typed for ``flag`` (YYYY-MM or a date), or a bilingual error."""
    from analytics.load import parse_when

    when = parse_when(text, flag)
    return None if when is None else when[:10]


def cmd_demo(args: argparse.Namespace) -> int:
    from analytics import store

    if args.reset and paths.store_dir().exists():
        shutil.rmtree(paths.store_dir())
    if store.has_snapshot():
        if args.if_empty:
            print(f"Kho dữ liệu đã có số liệu | store already has data: {paths.store_dir()}")
            return 0
        raise NrisError(
            f"Kho dữ liệu {paths.store_dir()} đã có số liệu; dùng --reset để tạo lại dữ liệu mẫu",
            f"store {paths.store_dir()} is not empty; use --reset to rebuild the demo data",
        )
    end = _month(args.end, "--end")
    info = analytics.demo.build_demo(end=end, seed=args.seed, batches=args.batches)
    print(
        f"Dữ liệu mẫu (DEMO) đến {info['end']:%m/%Y}: {info['indicators']} chỉ tiêu, {info['areas']} địa bàn, "
        f"{fmt.number(info['submissions'], 0)} báo cáo, {fmt.number(info['observations'], 0)} "
        f"quan sát -> {paths.store_dir()}"
    )
    return 0


def cmd_catalog_list(args: argparse.Namespace) -> int:
    import pandas as pd

    ind = analytics.indicators()
    if args.domain:
        if args.domain not in set(ind["domain"]):
            raise NrisError(
                f"Không có lĩnh vực '{args.domain}' ({', '.join(analytics.domains()['code'])})",
                f"unknown domain '{args.domain}' ({', '.join(analytics.domains()['code'])})",
            )
        ind = ind[ind["domain"] == args.domain]
    name = "name_vi" if args.lang == "vi" else "name_en"
    unit = "unit_vi" if args.lang == "vi" else "unit_en"
    with pd.option_context(
        "display.max_rows", None, "display.width", 200, "display.max_colwidth", 60
    ):
        print(ind[["code", "domain", name, unit, "frequency", "levels"]].to_string(index=False))
    return 0


def cmd_catalog_show(args: argparse.Namespace) -> int:
    row = analytics.catalog().indicator(analytics.resolve_indicators(args.code)[0])
    for key, value in row.items():
        print(f"{key:>12}: {value}")
    return 0


def cmd_catalog_check(args: argparse.Namespace) -> int:
    print(repr(analytics.catalog()))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    import pandas as pd
    import polars as pl

    from analytics.load import parse_when

    start = _month(args.start, "--start")
    # Growth rates and year-to-date values need the year before ``start`` too.
    read_from = start
    if start and args.transform != "level":
        read_from = str(pd.Timestamp(start).replace(month=1, day=1) - pd.DateOffset(years=1))[:10]
    df = analytics.load(
        args.code,
        areas=args.area,
        start=read_from,
        end=_month(args.end, "--end"),
        as_of=parse_when(args.as_of, "--as-of"),  # its time of day too
        source=args.source,
    )
    assert isinstance(df, pl.DataFrame)
    if args.transform != "level":
        df = getattr(analytics.transforms, args.transform)(df).drop_nulls("value")
    if start:
        df = df.filter(pl.col("period") >= pd.Timestamp(start).date())
    if not args.out:
        with pl.Config(tbl_rows=60, tbl_cols=12, tbl_width_chars=160):
            print(df.select("indicator", "area", "period", "value", "unit", "status", "vintage"))
        return 0
    out = Path(args.out)
    writers = {
        ".csv": lambda: df.write_csv(out),
        ".parquet": lambda: df.write_parquet(out),
        ".xlsx": lambda: df.to_pandas().to_excel(out, index=False),
    }
    if out.suffix.lower() not in writers:
        raise NrisError(
            f"--out '{out}': chỉ hỗ trợ .csv, .parquet, .xlsx",
            f"--out '{out}': only .csv, .parquet and .xlsx are supported",
        )
    if not out.parent.exists():
        raise NrisError(
            f"--out: thư mục {out.parent} không tồn tại",
            f"--out: folder {out.parent} does not exist",
        )
    writers[out.suffix.lower()]()
    print(f"{fmt.number(len(df), 0)} dòng / rows -> {out}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from analytics import store

    info = store.snapshot_info()
    table = analytics.headline_table(area=args.area)
    if table.is_empty():
        raise NrisError("Chưa có số liệu chỉ tiêu chủ yếu", "no headline data yet")
    period = table["period"].max()
    assert isinstance(period, dt.date)
    label = analytics.calendar.period_label(period, "M", args.lang)
    banner = " [DỮ LIỆU MẪU / DEMO DATA]" if info["demo"] else ""
    title = "Tình hình kinh tế - xã hội" if args.lang == "vi" else "Socio-economic situation"
    print(f"{title} — {label}{banner}")
    for line in analytics.headline_text(table, args.lang):
        print(f"  • {line}")
    when = analytics.fmt.datetime(info["max_vintage"], args.lang)
    print(f"({'số liệu đến' if args.lang == 'vi' else 'data as of'} {when})")
    return 0
