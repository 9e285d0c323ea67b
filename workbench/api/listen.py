"""Where ``nris api``'s workers listen: each worker on a socket of its own, one port for all.

uvicorn's ``--workers`` hands every worker the same listening socket, and whichever worker wakes
first accepts every connection waiting: a burst of 50 submissions could land on one worker while the
other idled (splits of 50/0 and 20/80 were measured). Here each worker opens its own socket with
``SO_REUSEPORT``, so the kernel spreads the connections over the workers, and uvicorn's supervisor
still starts, watches and replaces them. Each worker also ends with its supervisor, even a
SIGKILLed one.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import sys
from typing import Any

from analytics.errors import NrisError


def bind(host: str, port: int, reuse_port: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port``, sharing the port with the other workers' sockets."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def end_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when ``parent`` (the supervisor that started it)
    dies, however it dies: a SIGKILLed supervisor cannot stop its workers, which would otherwise
    keep the port and the store's writer lock. Linux only; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request was made: nothing would be sent
        os.kill(os.getpid(), signal.SIGTERM)


def worker_socket(host: str, port: int, parent: int) -> socket.socket:
    """In a worker being started: bound to the supervisor's life, then its own socket."""
    end_with_parent(parent)
    return bind(host, port)


class Listener:
    """Stands for the socket a worker opens for itself: pickled into the worker process (as
    uvicorn passes its sockets, again at every restart), it arrives there as
    ``worker_socket(host, port, supervisor's pid)``."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int, int]]:
        return worker_socket, (self.host, self.port, os.getpid())


def check_port_free(host: str, port: int) -> None:
    """Refuse in one line when ``host:port`` is taken, by anyone: the probe does not share the
    port, so it fails even against another server's ``SO_REUSEPORT`` sockets."""
    try:
        bind(host, port, reuse_port=False).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise NrisError(
                f"Cổng {port} trên {host} đang được chương trình khác dùng; chọn cổng khác (--port)",
                f"port {port} on {host} is already in use; choose another (--port)",
            ) from None
        raise NrisError(
            f"Không mở được {host}:{port}: {exc.strerror}",
            f"cannot listen on {host}:{port}: {exc.strerror}",
        ) from None
