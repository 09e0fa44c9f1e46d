"""A real SMTP server (aiosmtpd) on 127.0.0.1, on a port the kernel picks (port 0), for tests.

aiosmtpd's ``Controller`` needs a port number before it starts, so this runs
aiosmtpd's ``SMTP`` protocol on an asyncio server of its own in a thread and
reads the bound port back: no two test runs can collide on a port.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None


@dataclass
class LocalSmtpServer:
    """``with LocalSmtpServer(user="digest", password="s3cret") as smtp: … smtp.port, smtp.received``.

    With ``user`` set, AUTH PLAIN/LOGIN is offered over plain text (loopback
    only) and a wrong password is refused with 535.
    """

    user: str | None = None
    password: str | None = None
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> LocalSmtpServer:
        from aiosmtpd.smtp import SMTP, AuthResult

        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                login = session.auth_data.login.decode() if getattr(session, "auth_data", None) else None
                server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login))
                return "250 OK"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == server.user and auth_data.password.decode() == server.password)
            server.logins.append((auth_data.login.decode(), ok))
            return AuthResult(success=ok, handled=False)  # handled=False: answer 535 on failure

        def factory():
            if self.user:
                return SMTP(Handler(), authenticator=authenticator, auth_require_tls=False)
            return SMTP(Handler())

        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(self._loop.create_server(factory, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="local-smtp", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the local SMTP server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            self._server.close()
            sessions = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in sessions:  # clients still connected
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
