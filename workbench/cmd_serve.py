"""``nris serve``: the leaders' briefings in Voilà."""

from __future__ import annotations

import argparse

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
        "--max-kernels",
        type=int,
        default=defaults.max_kernels,
        help="kernels a page may hold beyond its preheated pool (pages open or being computed); "
        f"the request beyond gets a 'busy' page, HTTP 503 (default {defaults.max_kernels})",
    )
    p.add_argument(
        "--connect-timeout",
        type=int,
        default=defaults.connect_timeout,
        help="shut a page's kernel that no browser connects to after SECONDS idle "
        f"(default {defaults.connect_timeout}; culling runs every {defaults.cull_interval} s)",
    )
    p.add_argument(
        "--cull-idle",
        type=int,
        default=defaults.cull_idle,
        help="shut a kernel whose browser went away after SECONDS idle "
        f"(default {defaults.cull_idle})",
    )
    p.add_argument(
        "--boundaries",
        help="province boundaries TopoJSON/GeoJSON (default $NRIS_BOUNDARIES, else the shipped "
        "data/geo/vn_provinces_34.geojson)",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from analytics import store

    store.catch_up()  # publish what a killed writer left behind
    opts = serve.ServeOptions(
        port=args.port,
        ip=args.ip,
        token=args.token,
        pool_size=args.pool_size,
        fill_delay=args.fill_delay,
        preheat=not args.no_preheat,
        max_kernels=args.max_kernels,
        connect_timeout=args.connect_timeout,
        cull_idle=args.cull_idle,
        boundaries=args.boundaries,
    )
    return serve.serve(opts)
