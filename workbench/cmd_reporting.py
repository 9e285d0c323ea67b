"""``nris template``, ``nris submit``, ``nris ingest``, ``nris history`` and ``nris status``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import fmt, paths
from analytics.errors import NrisError
from analytics.submission_files import Limits, display

if TYPE_CHECKING:  # loaded inside the commands: the rest of ``nris`` does not wait for them
    from analytics import ingest, senders


def register(sub: argparse._SubParsersAction) -> None:
    """Add the reporting subcommands."""
    p = sub.add_parser("template", help="write a reporting form to fill in (biểu mẫu báo cáo)")
    p.add_argument("regime", help="reporting regime code, e.g. BC_KTXH_THANG")
    p.add_argument("--period", required=True, help="2026-10, 2026-Q3, 2026-H1, 2026-9M, 2026")
    p.add_argument("--agency", required=True, help="reporting agency, e.g. UBND_01 or NSO")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("submit", help="validate and store one submission file (nộp báo cáo)")
    p.add_argument("file", help="filled form, .xlsx or .csv")
    p.add_argument("--agency", help="the submitting agency (checked against the file)")
    p.add_argument("--check", action="store_true", help="validate only, store nothing")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("ingest", help="submit every file in an inbox folder")
    p.add_argument("inbox", nargs="?", help="folder (default: data/inbox)")
    p.add_argument("--agency", help="the submitting agency for every file")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("history", help="every vintage of a series: who sent it and when")
    p.add_argument("code", help="indicator code")
    p.add_argument("--area", default="VN")
    p.add_argument("--period", help="one period, YYYY-MM (default: all)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("status", help="reporting completeness and timeliness (tình hình báo cáo)")
    p.add_argument("--period", help="a month, YYYY-MM: each regime's period containing it")
    p.add_argument("--regime", action="append", help="only this regime (repeatable)")
    p.add_argument("--agencies", action="store_true", help="one line per expected report")
    p.add_argument("--as-of", help="judge as of this time (default now)")
    p.set_defaults(func=cmd_status)


def cmd_template(args: argparse.Namespace) -> int:
    from analytics import templates

    out = templates.write_template(args.regime, args.period, args.agency, args.out)
    print(f"Đã ghi biểu mẫu | template written: {out}")
    return 0


def _print_result(result: ingest.SubmissionResult) -> None:
    print(result.report())


def _sender(folder: Path, agency_arg: str | None) -> tuple[str | None, senders.Sender]:
    """The agency to submit as and who the sender is bound to (see analytics.senders)."""
    from analytics import senders

    agency, who = senders.resolve(folder, agency_arg)
    if who.agencies is None:
        print(
            f"nris: chưa cấu hình người gửi ({senders.config_path()}): tin theo --agency hoặc tệp "
            f"| no sender bindings configured ({senders.config_path()}): the agency named by "
            "--agency or the file is believed",
            file=sys.stderr,
        )
    return agency, who


def _source(who: senders.Sender) -> str:
    """The audit's ``source``: a local operator (not the API), and the binding checked."""
    return "local" if who.agencies is None else f"local: {who.how}"


def cmd_submit(args: argparse.Namespace) -> int:
    from analytics import ingest

    path = Path(args.file)
    if not path.is_file() and not path.is_symlink():
        raise NrisError(f"không có tệp {display(str(path))}", f"no such file: {display(str(path))}")
    agency, who = _sender(path.parent, args.agency)
    if args.check:
        checked, _ = ingest.check(path, agency)
        result = ingest.SubmissionResult(
            path.name,
            "rejected" if checked.errors else "accepted",
            "",
            agency=checked.agency,
            regime=checked.regime,
            period=checked.period,
            issues=checked.issues,
        )
        cap = Limits.from_env().problems
        for issue in result.issues[:cap]:
            print(display(f"[{issue.severity}] {issue.line('vi')} | {issue.line('en')}"))
        if len(result.issues) > cap:
            more = len(result.issues) - cap
            print(f"... và {more} vấn đề khác | and {more} more problems")
        print("HỢP LỆ | VALID" if not checked.errors else "KHÔNG HỢP LỆ | INVALID")
        return 0 if not checked.errors else 1
    result = ingest.submit(path, agency=agency, allowed=who.agencies, source=_source(who))
    _print_result(result)
    return 0 if result.ok else 1


def cmd_ingest(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import ingest

    inbox = Path(args.inbox) if args.inbox else paths.root() / "data" / "inbox"
    if not inbox.is_dir():
        raise NrisError(
            f"không có thư mục {display(str(inbox))}", f"no such folder: {display(str(inbox))}"
        )
    agency, who = _sender(inbox, args.agency)
    results = ingest.ingest_folder(inbox, agency=agency, allowed=who.agencies, source=_source(who))
    for result in results:
        print(result.summary("vi"))
        print(result.summary("en"))
    counts = pd.Series([r.status for r in results], dtype=object).value_counts().to_dict()
    print(
        f"{len(results)} tệp | files: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f" (báo cáo bên cạnh tệp | reports beside each file in {inbox}/accepted, rejected)"
    )
    return 1 if counts.get("rejected") else 0


def cmd_history(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import reporting

    period = str(pd.Timestamp(args.period).date()) if args.period else None
    df = reporting.submission_history(args.code, args.area, period)
    if df.empty:
        print("Không có số liệu | no data")
        return 0
    show = pd.DataFrame(
        {
            "kỳ | period": df["period"].astype(str),
            "giá trị | value": [fmt.number(v, 2) for v in df["value"]],
            "trạng thái | status": df["status"],
            "phiên bản | vintage": df["vintage"].astype(str),
            "mã nộp | id": df["submission_id"],
            "cơ quan | agency": df["agency"],
            "chế độ | regime": df["regime"],
            "tệp | file": df["file_name"].fillna("").map(display),
        }
    )
    print(show.to_string(index=False))
    return 0


def _ensure_submissions_published() -> None:
    """Old stores published before the audit table was: republish it once (CLI only)."""
    from analytics import store

    if store.has_snapshot() and "submissions_path" not in store.snapshot_info():
        with store.writer(publish=False) as con:
            store.publish_submissions(con)


def cmd_status(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import reporting

    _ensure_submissions_published()
    as_of = pd.Timestamp(args.as_of) if args.as_of else None
    if args.agencies:
        df = reporting.reporting_detail(args.period, args.regime, as_of)
        df = df.assign(
            deadline=df["deadline"].map(fmt.datetime),
            received_at=df["received_at"].map(lambda t: "" if pd.isna(t) else fmt.datetime(t)),
        )
        print(df.to_string(index=False))
        return 0
    df = reporting.reporting_status(args.period, args.regime, as_of)
    if df.empty:
        print("Không có báo cáo nào đến hạn | no reports expected")
        return 0
    show = pd.DataFrame(
        {
            "chế độ | regime": df["regime"],
            "kỳ | period": df["period_label"],
            "hạn | due": df["deadline"].dt.strftime("%d/%m/%Y"),
            "phải nộp | expected": df["expected"],
            "đã nộp | received": df["received"],
            "đúng hạn | on time": df["on_time"],
            "muộn | late": df["late"],
            "chưa nộp | missing": df["missing"],
            "chưa đến hạn | pending": df["pending"],
            "tỷ lệ | rate %": [fmt.number(v, 1) for v in df["reporting_rate"]],
            "đúng hạn % | on time %": [fmt.number(v, 1) for v in df["on_time_rate"]],
        }
    )
    print(show.to_string(index=False))
    tot = df[["expected", "received", "on_time", "late", "missing"]].sum()
    rate = 100 * tot["received"] / tot["expected"] if tot["expected"] else float("nan")
    print(
        f"Tổng | total: {tot['expected']} phải nộp | expected, {tot['received']} đã nộp | "
        f"received ({fmt.number(rate, 1)}%), {tot['late']} muộn | late, {tot['missing']} chưa nộp "
        f"| missing"
    )
    sys.stdout.flush()
    return 0
