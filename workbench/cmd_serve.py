"""``nris serve``: the leaders' briefings in Voilà."""

from __future__ import annotations

import argparse

from analytics import store
from workbench import serve


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``nris serve``."""
    p = sub.add_parser("serve", help="serve the leaders' briefings with Voilà (bản tin lãnh đạo)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)"
    )
    p.add_argument(
        "--token",
        help="access token (default $NRIS_SERVE_TOKEN; generated when listening beyond loopback)",
    )
    defaults = serve.ServeOptions()
    p.add_argument(
        "--pool-size",
        type=int,
        default=defaults.pool_size,
        help=f"preheated kernels per briefing (default {defaults.pool_size})",
    )
    p.add_argument(
        "--fill-delay",
        type=float,
        default=defaults.fill_delay,
        help="seconds after a request before a replacement kernel starts, so that it does not "
        f"slow down the page being opened (default {defaults.fill_delay:g})",
    )
    p.add_argument("--no-preheat", action="store_true", help="start kernels on request only")
    p.add_argument(
        "--cull-idle", type=int, default=1800, help="shut idle kernels after SECONDS (default 1800)"
    )
    p.add_argument(
        "--boundaries", help="province boundaries TopoJSON/GeoJSON (default $NRIS_BOUNDARIES)"
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    store.catch_up()  # publish what a killed writer left behind
    opts = serve.ServeOptions(
        port=args.port,
        ip=args.ip,
        token=args.token,
        pool_size=args.pool_size,
        fill_delay=args.fill_delay,
        preheat=not args.no_preheat,
        cull_idle=args.cull_idle,
        boundaries=args.boundaries,
    )
    return serve.serve(opts)
