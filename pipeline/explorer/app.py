"""The explorer's Flask application: configuration, the snapshot per request,
the token check and the security headers every response carries.

    app = create_app(Path("corpus.snapshot.duckdb"), token=None)

Read-only by construction: the snapshot is opened read-only for each request
(a newly published snapshot is seen by the next request, and the writer is
never blocked), and no route writes anything.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, redirect, request

#: Cookie that carries proof of the token after the first request (not the token itself).
COOKIE = "edualliance_explorer"

#: What a page may load: its own stylesheet and images, nothing else; no script at all.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
                           " frame-ancestors 'none'; base-uri 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _proof(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"edualliance-explorer", hashlib.sha256).hexdigest()


def create_app(snapshot: Path, *, token: str | None = None, classifier=None) -> Flask:
    """The explorer over the snapshot at ``snapshot``. With ``token``, every request must
    carry it (``?token=…`` once, then a cookie; or ``Authorization: Bearer …``)."""
    from ..store import Store
    from .views import bp

    app = Flask(__name__)
    app.config.update(SNAPSHOT=Path(snapshot), TOKEN=token or None, CLASSIFIER=classifier,
                      MAX_CONTENT_LENGTH=64 * 1024, JSON_AS_ASCII=False)
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.register_blueprint(bp)

    @app.before_request
    def check_token():
        expected = app.config["TOKEN"]
        if expected is None:
            return None
        given = request.args.get("token")
        if given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            # Take the token out of the address (history, logs, Referer) and remember it in a cookie.
            args = [(k, v) for k, values in request.args.lists() if k != "token" for v in values]
            response = redirect(request.path + (f"?{urlencode(args)}" if args else ""), code=303)
            response.set_cookie(COOKIE, _proof(expected), httponly=True, samesite="Strict",
                                secure=request.is_secure)
            return response
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode("utf-8"), expected.encode("utf-8")):
            return None
        cookie = request.cookies.get(COOKIE, "")
        if cookie and hmac.compare_digest(cookie.encode("utf-8"), _proof(expected).encode("utf-8")):
            return None
        return (
            "<!DOCTYPE html><html><head><meta charset=utf-8><title>Token required</title></head><body>"
            "<h1>Token required</h1><p>This explorer was started with a token. Open it with"
            " <code>?token=…</code> as printed by <code>edualliance serve</code>.</p></body></html>",
            401, {"Content-Type": "text/html; charset=utf-8", "WWW-Authenticate": 'Bearer realm="edualliance"'},
        )

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.teardown_appcontext
    def close_store(_exc):
        store = g.pop("store", None)
        if store is not None:
            store.close()

    def open_store() -> Store:
        if "store" not in g:
            g.store = Store(app.config["SNAPSHOT"], read_only=True)
        return g.store

    app.extensions["edualliance_store"] = open_store
    return app
