"""``nris api`` (the exchange service), ``nris agency token`` and ``nris push``."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from pathlib import Path

from analytics.errors import NrisError
from analytics.submission_files import display


def register(sub: argparse._SubParsersAction) -> None:
    """Add the exchange-service subcommands."""
    p = sub.add_parser("api", help="run the HTTP exchange service (dịch vụ trao đổi dữ liệu)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8800)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--ssl-certfile", help="TLS certificate (PEM), to listen beyond loopback")
    p.add_argument("--ssl-keyfile", help="TLS private key (PEM)")
    p.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a TLS reverse proxy on this machine forwards to us (trust X-Forwarded-*)",
    )
    p.add_argument("--rate", help="requests per token, e.g. 600/60 (default $NRIS_API_RATE)")
    p.set_defaults(func=cmd_api)

    p = sub.add_parser("agency", help="agencies' API credentials (mã truy cập)")
    asub = p.add_subparsers(dest="agency_cmd", metavar="token", required=True)
    tp = asub.add_parser("token", help="create, list or revoke tokens")
    tsub = tp.add_subparsers(dest="token_cmd", metavar="create|list|revoke", required=True)
    c = tsub.add_parser("create", help="a new token, shown once")
    c.add_argument("agency")
    c.add_argument("--role", choices=("submitter", "reader", "admin"), default="submitter")
    c.add_argument("--expires", help="90d, 12h or a date (2027-01-31); default never")
    c.set_defaults(func=cmd_token_create)
    ls = tsub.add_parser("list", help="tokens (never their secrets)")
    ls.add_argument("agency", nargs="?")
    ls.set_defaults(func=cmd_token_list)
    rv = tsub.add_parser("revoke", help="revoke one token (--id) or all of an agency's")
    rv.add_argument("agency")
    rv.add_argument("--id", help="the token id (the part after nris_)")
    rv.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser("push", help="send a report file to an NRIS exchange service")
    p.add_argument("file", help=".xlsx, .csv or SDMX-CSV (with --sdmx)")
    p.add_argument("--url", required=True, help="the service, e.g. https://nris.example.gov.vn")
    p.add_argument("--token", help="the agency's token (default $NRIS_TOKEN)")
    p.add_argument("--sdmx", action="store_true", help="the file is SDMX-CSV")
    p.add_argument("--regime", help="regime of an SDMX-CSV file")
    p.add_argument("--period", help="period of an SDMX-CSV file (default its TIME_PERIOD)")
    p.add_argument("--idempotency-key", help="retry-safe key (default: the file's hash)")
    p.set_defaults(func=cmd_push)


def loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or name."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from analytics import store
    from workbench.api.listen import Listener, check_port_free

    tls = bool(args.ssl_certfile and args.ssl_keyfile)
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise NrisError(
            "cần cả --ssl-certfile và --ssl-keyfile", "both --ssl-certfile and --ssl-keyfile needed"
        )
    if not loopback(args.host) and not tls and not args.behind_proxy:
        raise NrisError(
            f"--host {args.host}: chỉ nghe ngoài máy này khi có TLS (--ssl-certfile/--ssl-keyfile) "
            "hoặc sau reverse proxy (--behind-proxy): mã truy cập không được gửi không mã hóa",
            f"--host {args.host}: listening beyond loopback needs TLS (--ssl-certfile/--ssl-keyfile) "
            "or --behind-proxy: tokens must not travel unencrypted",
        )
    if args.rate:
        os.environ["NRIS_API_RATE"] = args.rate
    from workbench.api.auth import rate

    rate()  # a bad rate is refused here, not in every worker
    store.catch_up_if_marked()
    check_port_free(args.host, args.port)
    scheme = "https" if tls else "http"
    print(
        f"NRIS API: {scheme}://{args.host}:{args.port}/docs  ·  {scheme}://{args.host}:{args.port}"
        f"/officer  ({args.workers} worker(s))",
        flush=True,
    )
    config = uvicorn.Config(
        "workbench.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        proxy_headers=args.behind_proxy,
        forwarded_allow_ips="127.0.0.1" if args.behind_proxy else None,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    if args.workers > 1:  # each worker on its own SO_REUSEPORT socket (workbench.api.listen)
        sockets: list = [Listener(args.host, args.port)]
        Multiprocess(config, sockets=sockets).run()
        return 0
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def cmd_token_create(args: argparse.Namespace) -> int:
    from workbench.api import tokens

    expires = tokens.parse_expiry(args.expires)
    text = tokens.create(args.agency, args.role, expires)
    print(text)
    print(
        f"Mã truy cập cho {args.agency.upper()} ({args.role}"
        + (f", hết hạn {expires:%Y-%m-%d %H:%M} UTC" if expires else "")
        + "): chỉ hiển thị một lần | token shown once; only its hash is kept",
        file=sys.stderr,
    )
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from workbench.api import tokens

    rows = tokens.list_tokens(args.agency)
    if not rows:
        print("Không có mã truy cập | no tokens")
        return 0
    print(f"{'id':10} {'agency':10} {'role':10} {'state':8} {'created':26} expires")
    for t in rows:
        print(
            f"{t.token_id:10} {t.agency:10} {t.role:10} {t.state():8} {t.created_at:26} "
            f"{t.expires_at or '-'}"
        )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from workbench.api import tokens

    n = tokens.revoke(args.agency, args.id)
    if n == 0:
        raise NrisError(
            f"không có mã truy cập còn hiệu lực {args.id or ''} của {args.agency.upper()}",
            f"no active token {args.id or ''} of {args.agency.upper()}",
        )
    print(f"Đã thu hồi {n} mã | revoked {n} token(s)")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    import hashlib

    import httpx

    token = args.token or os.environ.get("NRIS_TOKEN")
    if not token:
        raise NrisError("thiếu --token hoặc $NRIS_TOKEN", "no --token nor $NRIS_TOKEN")
    path = Path(args.file)
    data = path.read_bytes()
    key = args.idempotency_key or hashlib.sha256(data).hexdigest()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    fields = {"format": "sdmx-csv" if args.sdmx else "file"}
    if args.regime:
        fields["regime"] = args.regime
    if args.period:
        fields["period"] = args.period
    try:
        resp = httpx.post(
            args.url.rstrip("/") + "/v1/submissions",
            headers=headers,
            files={"file": (path.name, data)},
            data=fields,
            timeout=120,
        )
    except httpx.HTTPError as exc:
        raise NrisError(
            f"không kết nối được {args.url} ({type(exc).__name__})",
            f"cannot reach {args.url} ({type(exc).__name__})",
        ) from None
    try:
        body = resp.json()
    except ValueError:
        body = {"detail": resp.text[:300]}
    if resp.status_code in (200, 201):
        print(
            f"{'ĐÃ NHẬN' if resp.status_code == 201 else 'TRÙNG'} | "
            f"{'ACCEPTED' if resp.status_code == 201 else 'DUPLICATE'} {display(path.name)}: "
            f"mã nộp | submission {body['submission_id']}, {body['n_rows']} dòng | rows, "
            f"{len(body['warnings'])} cảnh báo | warnings"
        )
        for w in body["warnings"]:
            print(f"  [cảnh báo | warning] {_where(w)}{w['message_vi']} | {w['message_en']}")
        return 0
    print(f"nris push: HTTP {resp.status_code}: {body.get('detail', '')}", file=sys.stderr)
    for p in body.get("problems", []):
        print(
            f"  [{p['severity']}] {_where(p)}{p['message_vi']} | {p['message_en']}",
            file=sys.stderr,
        )
    if body.get("n_problems", 0) > len(body.get("problems", [])):
        print(json.dumps({"n_problems": body["n_problems"]}), file=sys.stderr)
    return 2 if resp.status_code in (401, 403, 413, 415, 429) else 1


def _where(p: dict) -> str:
    parts = [f"{k} {p[k]}" for k in ("sheet", "row", "column") if p.get(k) not in (None, "")]
    if p.get("value") not in (None, ""):
        parts.append(f"'{p['value']}'")
    return (", ".join(parts) + ": ") if parts else ""
