"""A local web server for the rel="me" tests: plain HTTP and HTTPS (a self-signed
certificate for ``localhost``, made here), serving pages the test sets (no tests here)."""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Site:
    """What the server answers: ``pages[path] = (status, content type, body, headers)``."""

    pages: dict[str, tuple[int, str, bytes, dict[str, str]]] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)  # the Host header of each request
    port: int = 0
    scheme: str = "http"

    def page(self, path: str, html: str, *, status: int = 200, content_type: str = "text/html",
             headers: dict[str, str] | None = None) -> str:
        """Serve ``html`` at ``path``; returns its URL (host ``localhost``)."""
        self.pages[path] = (status, content_type, html.encode(), headers or {})
        return self.url(path)

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        return f"{self.scheme}://localhost:{self.port}{path}"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextmanager
def serve(*, https: bool = False) -> Iterator[tuple[Site, ssl.SSLContext | None]]:
    """Run a server on 127.0.0.1 for the block; yields the site and, for HTTPS, the client
    context that trusts its certificate."""
    site = Site(scheme="https" if https else "http")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.hosts.append(self.headers.get("Host", ""))
            status, content_type, body, headers = site.pages.get(
                self.path, (404, "text/plain", b"not found", {}))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    client_context = None
    with tempfile.TemporaryDirectory() as tmp:
        if https:
            cert, key = _certificate(Path(tmp))
            server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server_context.load_cert_chain(cert, key)
            server.socket = server_context.wrap_socket(server.socket, server_side=True)
            client_context = ssl.create_default_context(cafile=str(cert))
        site.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield site, client_context
        finally:
            server.shutdown()
            server.server_close()
