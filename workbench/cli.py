"""The ``nris`` command: one entry point, subcommands registered by small modules.

Errors a user can cause print one line (Vietnamese | English) and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from analytics import paths
from analytics.errors import NrisError

# Each module defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES = [
    "workbench.cmd_data",
    "workbench.cmd_runs",
    "workbench.cmd_reporting",
    "workbench.cmd_serve",
    "workbench.cmd_api",
    "workbench.cmd_alerts",
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="nris",
        description="NRIS workbench: hệ thống báo cáo, phân tích và dự báo kinh tế - xã hội "
        "(national socio-economic reporting, analytics and forecasting).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nris``; returns the exit code."""
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if paths.unpublished_path().exists():  # a writer was stopped between commit and publish
            from analytics import store  # DuckDB and pandas: only when there is something to do

            store.catch_up_if_marked()
        return int(args.func(args) or 0)
    except NrisError as exc:
        print(f"nris: lỗi: {exc.vi} | error: {exc.en}", file=sys.stderr)
        return 2
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        from analytics.submission_files import display

        name = display(str(exc.filename))
        print(f"nris: lỗi tệp | file error: {exc.strerror}: {name}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("nris: đã dừng | interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
