"""Serving the explorer: waitress (a production WSGI server, pure Python) on
127.0.0.1 by default. Any other address is reachable by others, so it needs a
token given at start; on loopback a token is optional.

    server = ExplorerServer(snapshot, host="127.0.0.1", port=0)   # port 0: a free one
    server.start(); ...; server.stop()           # tests
    serve(snapshot, host, port, token)            # `edualliance serve`, until Ctrl-C
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

from ..hosts import is_loopback
from .app import create_app

#: Threads answering requests (a researcher or a small group; DuckDB reads in parallel).
THREADS = 4

#: A token shorter than this is refused: it would be guessed.
MIN_TOKEN_LENGTH = 16


class ServeError(ValueError):
    pass



def check_token(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token, and any too-short token."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ServeError(f"the token must have at least {MIN_TOKEN_LENGTH} characters;"
                         f" e.g. --token {secrets.token_urlsafe(24)}")
    if not is_loopback(host) and not token:
        raise ServeError(f"serving on {host} makes the corpus reachable from other machines: give a token with"
                         f" --token (or $EDUALLIANCE_SERVE_TOKEN), e.g. --token {secrets.token_urlsafe(24)}")


class ExplorerServer:
    """The explorer on a waitress server in a background thread."""

    def __init__(self, snapshot: Path, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 classifier=None) -> None:
        from waitress.server import create_server

        check_token(host, token)
        self.app = create_app(snapshot, token=token, classifier=classifier)
        self.server = create_server(self.app, host=host, port=port, threads=THREADS, ident="edualliance")
        self.host, self.port = host, self.server.effective_port
        self.token = token
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ExplorerServer:
        self._thread = threading.Thread(target=self.server.run, name="explorer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> ExplorerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(snapshot: Path, host: str, port: int, token: str | None, echo=print) -> None:
    """Serve until interrupted."""
    server = ExplorerServer(snapshot, host=host, port=port, token=token)
    address = f"{server.base_url}/search"
    echo(f"Explorer on {address}" + (f"?token={token}" if token else "") + f" (snapshot {snapshot}); Ctrl-C stops it.")
    try:
        server.server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.close()
