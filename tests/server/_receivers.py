"""Real receivers of notifications on loopback, started by the tests: an HTTP server that checks a
webhook's signature exactly as docs/alerts.md tells a receiver to (and can answer 500, 429, or
answer late), and an SMTP server (aiosmtpd) with STARTTLS and AUTH on a self-signed certificate
made here."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def verify(secret: str, headers: Any, body: bytes, tolerance: float = 300.0) -> bool:
    """A receiver's check, as the docs give it: HMAC-SHA256 of timestamp + "." + body, hex,
    compared in constant time, and a timestamp no older than ``tolerance`` seconds."""
    timestamp = headers.get("X-Driftscope-Timestamp", "")
    signature = headers.get("X-Driftscope-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(signature, "sha256=" + expected.hexdigest())


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signed: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """What the HTTP receiver got, and how it answers: ``statuses`` in turn (the last one
    repeated), after ``delay`` seconds, with ``headers``."""

    secret: str
    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""


@contextmanager
def webhook_receiver(secret: str = "s" * 32, **given: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret=secret, **given)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signed = verify(receiver.secret, self.headers, body)
            receiver.received.append(Received(dict(self.headers.items()), body, signed))
            time.sleep(receiver.delay)
            turn = min(len(receiver.received), len(receiver.statuses)) - 1
            status = receiver.statuses[turn]
            if status == 200 and not signed and receiver.secret:
                status = 401  # a receiver that checks the signature refuses a bad one
            answer = b"ok" if status < 300 else f"answer {status}".encode()
            try:
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (a timeout under test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by its own key: (cert, key) PEM
    files; the certificate is also the CA file a client trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "driftscope test SMTP")])
    start = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class MailServer:
    host: str
    port: int
    ca_file: Path
    messages: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)


class _Inbox:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.server.messages.append(envelope)
        return "250 Message accepted"


@contextmanager
def mail_server(
    folder: Path, username: str, password: str, implicit_tls: bool = False
) -> Iterator[MailServer]:
    """An SMTP server on loopback that requires STARTTLS (or, ``implicit_tls``, speaks TLS from
    the start), then AUTH with these credentials."""
    cert_file, key_file = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server = MailServer("127.0.0.1", closed_port(), cert_file)

    def authenticate(
        smtp: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == username
            and data.password.decode() == password
        )
        server.logins.append((data.login.decode() if isinstance(data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    # aiosmtpd counts only STARTTLS as TLS for AUTH: on an implicit-TLS port the whole
    # connection is TLS already, so AUTH is offered there without that check.
    tls: dict[str, Any] = (
        {"ssl_context": context, "auth_require_tls": False}
        if implicit_tls
        else {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    )
    controller = Controller(
        _Inbox(server),
        hostname=server.host,
        port=server.port,
        auth_required=True,
        authenticator=authenticate,
        **tls,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
