"""A recording proxy: what the product would send to the internet during a run.

Every HTTP client the stack uses (requests in dbt and GX, urllib, httpx) honours the proxy
variables, so pointing them at a local socket that writes down each request line and answers
nothing shows any call out, without relying on the machine having no network.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from orchestration.settings import environment_variable

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@contextmanager
def recording_proxy() -> Iterator[list[str]]:
    """Yields the list of request lines (`CONNECT pypi.org:443 HTTP/1.1`) sent while inside."""
    seen: list[str] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            with client:
                client.settimeout(1)
                try:
                    seen.append(client.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace"))
                except OSError:
                    seen.append("(a connection that sent nothing)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.getsockname()[1]}"
    try:
        with ExitStack() as stack:
            for name in PROXY_VARIABLES:
                stack.enter_context(environment_variable(name, address))
            for name in ("NO_PROXY", "no_proxy"):
                stack.enter_context(environment_variable(name, None))
            yield seen
    finally:
        stop.set()
        thread.join()
        server.close()
