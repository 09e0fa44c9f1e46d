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

    With ``user`` set, AUTH PLAIN/LOGIN is offered (over plain text unless
    ``tls_context`` is given) and a wrong password is refused with 535.
    """

    user: str | None = None
    password: str | None = None
    tls_context: object = None  # an ssl.SSLContext: offer STARTTLS and require it before AUTH and MAIL
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
            return AuthResult(success=ok, handled=False, auth_data=auth_data)  # handled=False: 535 on failure

        def factory():
            kwargs = {}
            if self.tls_context is not None:
                kwargs.update(tls_context=self.tls_context, require_starttls=True)
            if self.user:
                kwargs.update(authenticator=authenticator, auth_require_tls=self.tls_context is not None)
            return SMTP(Handler(), **kwargs)

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


def self_signed_context(directory) -> tuple[object, str]:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1 and
    localhost; returns (context, path of the certificate in PEM)."""
    import datetime
    import ipaddress
    import ssl
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edualliance test SMTP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(directory) / "smtp-cert.pem", Path(directory) / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)
