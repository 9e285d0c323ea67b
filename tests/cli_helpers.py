"""The ``nris`` CLI run through ``main()`` in the test process: fast, and answered like a finished
process, for the many cases whose exit status a shell never needs to see (a few tests keep real
processes for that)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess


def run_main(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` through ``main()`` with ``env`` as the whole environment, then the test's own
    environment back; stdout and stderr captured."""
    from workbench.cli import main

    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
