"""``nris alerts list|ack|resolve|evaluate`` and ``nris request create|list|show``."""

from __future__ import annotations

import argparse

from analytics import fmt

# pandas, the requests table and the alert book load inside the commands: the rest of ``nris``
# does not wait for them.

STATE_WORDS = {
    "on_time": "đúng hạn | on time",
    "late": "muộn | late",
    "missing": "chưa nộp | missing",
    "pending": "chưa đến hạn | pending",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the alert and ad hoc request subcommands."""
    p = sub.add_parser("alerts", help="alerts after each snapshot (cảnh báo)")
    asub = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    q = asub.add_parser("list", help="list alerts, most severe first")
    q.add_argument(
        "--state",
        default="active",
        choices=["active", "open", "acknowledged", "resolved", "all"],
        help="which alerts (default active: open or acknowledged)",
    )
    q.add_argument("--severity", choices=["high", "medium", "low"])
    q.add_argument("--lang", default="vi", choices=["vi", "en"])
    q.add_argument("--limit", type=int, default=0, help="at most N alerts (default all)")
    q.set_defaults(func=cmd_list)
    for name, verb in (("ack", "acknowledge"), ("resolve", "resolve")):
        q = asub.add_parser(name, help=f"{verb} alerts (by id or key), as the OS user running nris")
        q.add_argument("ids", nargs="+", help="alert ids (from 'nris alerts list') or keys")
        q.set_defaults(func=cmd_set, verb=verb)
    q = asub.add_parser("evaluate", help="run the alert rules on the current snapshot now")
    q.add_argument(
        "--no-outlook",
        action="store_true",
        help="skip the P(target met) rules (they compute the target outlook when not cached)",
    )
    q.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("request", help="ad hoc report requests (yêu cầu báo cáo đột xuất)")
    rsub = p.add_subparsers(dest="request_command", metavar="ACTION", required=True)
    q = rsub.add_parser("create", help="ask agencies for an ad hoc report")
    q.add_argument("--regime", required=True, help="an ad hoc regime, e.g. BC_DOTXUAT_TTG")
    q.add_argument("--agencies", required=True, help="UBND_01,UBND_79 or 'provinces' (all)")
    q.add_argument("--indicators", required=True, help="CPI_YOY,BUDGET_REVENUE")
    q.add_argument("--due", required=True, help="deadline: 2026-11-30 or '2026-11-30 17:00'")
    q.add_argument("--period", help="the period answers carry (default: today's date)")
    q.add_argument("--note", default="", help="what is asked, in a few words")
    q.set_defaults(func=cmd_request_create)
    q = rsub.add_parser("list", help="every request with its answers so far")
    q.set_defaults(func=cmd_request_list)
    q = rsub.add_parser("show", help="one request: who answered, on time, late, missing")
    q.add_argument("id", type=int)
    q.set_defaults(func=cmd_request_show)


def cmd_list(args: argparse.Namespace) -> int:
    from workbench.alerts import book

    state = None if args.state == "all" else args.state
    df = book.alerts(state, args.severity, args.limit or None)
    if df.empty:
        print("Không có cảnh báo | no alerts")
        return 0
    from workbench.briefings.i18n import t

    lang = args.lang
    why = "why_vi" if lang == "vi" else "why_en"
    for r in df.itertuples():
        who = ""
        if r.state == "acknowledged":
            who = f" ({r.acked_by}, {fmt.datetime(r.acked_at, lang)})"
        elif r.state == "resolved":
            who = f" ({r.resolved_by}, {fmt.datetime(r.resolved_at, lang)})"
        print(f"#{r.alert_id} [{t(r.severity, lang)}] {t(r.state, lang)}{who} {r.key}")
        print(f"    {getattr(r, why)}")
    print(f"{len(df)} cảnh báo | alerts")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from analytics.senders import os_user
    from workbench.alerts import book

    fn = book.acknowledge if args.verb == "acknowledge" else book.resolve
    n = fn(args.ids, os_user())
    word = (
        ("đã ghi nhận", "acknowledged") if args.verb == "acknowledge" else ("đã xử lý", "resolved")
    )
    print(f"{n} cảnh báo {word[0]} | {n} alerts {word[1]}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from workbench.alerts.evaluate import evaluate
    from workbench.alerts.notify import configured

    notifiers = configured()
    result = evaluate(outlook=not args.no_outlook, notifiers=notifiers)
    for n in notifiers:
        n.close(timeout=30.0)  # let the webhook's retries run before the command exits
    print(
        f"{len(result.alerts)} cảnh báo, {len(result.new)} mới, {result.resolved} tự đóng | "
        f"{len(result.alerts)} alerts, {len(result.new)} new, {result.resolved} resolved "
        f"({fmt.number(result.seconds['total'], 1)} s, {result.snapshot})"
    )
    for a in result.new:
        print(f"  [{a.severity}] {a.why_vi} | {a.why_en}")
    return 0


def cmd_request_create(args: argparse.Namespace) -> int:
    from analytics import requests

    rid = requests.create(
        args.regime, args.agencies, args.indicators, args.due, args.period, note=args.note
    )
    r = requests.get(rid)
    print(
        f"Yêu cầu số {rid}: {r['regime']} kỳ {r['period']}, {len(r['agencies'])} cơ quan, hạn "
        f"{fmt.datetime(r['due'])} | request {rid} created"
    )
    print(
        f"Biểu mẫu để trả lời | the form to answer with: nris template {r['regime']} "
        f"--period {r['period']} --agency {r['agencies'][0]} --out FILE.xlsx"
    )
    return 0


def cmd_request_list(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import requests

    df = requests.summary()
    if df.empty:
        print("Chưa có yêu cầu nào | no requests")
        return 0
    show = pd.DataFrame(
        {
            "số | id": df["request_id"],
            "chế độ | regime": df["regime"],
            "kỳ | period": df["period"].astype(str),
            "hạn | due": df["due"].map(fmt.datetime),
            "phải nộp | expected": df["expected"],
            "đúng hạn | on time": df["on_time"],
            "muộn | late": df["late"],
            "chưa nộp | missing": df["missing"],
            "chưa đến hạn | pending": df["pending"],
        }
    )
    print(show.to_string(index=False))
    return 0


def cmd_request_show(args: argparse.Namespace) -> int:
    import pandas as pd

    from analytics import requests

    r = requests.get(args.id)
    print(
        f"Yêu cầu số | request {r['request_id']}: {r['regime']}, kỳ | period {r['period']}, "
        f"hạn | due {fmt.datetime(r['due'])}, do | by {r['created_by']} "
        f"({fmt.datetime(r['created_at'])})"
    )
    print(f"Chỉ tiêu | indicators: {', '.join(r['indicators'])}")
    if r["note"]:
        print(f"Ghi chú | note: {r['note']}")
    st = requests.status(args.id)
    show = pd.DataFrame(
        {
            "cơ quan | agency": st["agency"],
            "trạng thái | state": st["state"].map(STATE_WORDS),
            "nhận lúc | received": st["received_at"].map(
                lambda t: "" if pd.isna(t) else fmt.datetime(t)
            ),
            "mã nộp | id": st["submission_id"].astype(str).replace("<NA>", ""),
        }
    )
    print(show.to_string(index=False))
    return 0
