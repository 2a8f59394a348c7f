"""images/transport.py: HTTP to one registry: plain HTTP only on loopback, bounded answers, credentials
never sent to another host."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest

from generator.core.errors import RegistryError
from generator.images import oci


def test_plain_http_only_for_loopback_registries() -> None:
    assert oci.Registry("127.0.0.1:5000").base == "http://127.0.0.1:5000"
    assert oci.Registry("localhost:5000").base == "http://localhost:5000"
    assert oci.Registry("[::1]:5000").base == "http://[::1]:5000"
    assert oci.Registry("127.1.2.3").base == "http://127.1.2.3"
    assert oci.Registry("10.0.0.1:5000").base == "https://10.0.0.1:5000"
    assert oci.Registry("localhost.example.com").base == "https://localhost.example.com"
    assert oci.Registry("123456789012.dkr.ecr.us-east-1.amazonaws.com").base.startswith("https://")
    assert oci.Registry("docker.io").base == "https://registry-1.docker.io"


class _Fake:
    """A tiny hostile or odd registry on 127.0.0.1: answers chosen per test, requests recorded."""

    def __init__(self, answer: Any) -> None:
        import http.server

        fake = self
        self.seen: list[tuple[str, dict[str, str]]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                fake.seen.append((self.path, dict(self.headers)))
                answer(self)

            do_GET = do_HEAD = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Fake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def test_an_endless_answer_is_cut_off() -> None:
    def endless(h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Type", oci.OCI_MANIFEST)
        h.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(64):  # 64 MiB, far beyond the manifest limit, then the server gives up
                h.wfile.write(b" " * (1 << 20))

    with _Fake(endless) as fake, pytest.raises(RegistryError, match="answer larger than"):
        oci.Registry(fake.host).get_manifest("a/b", "latest")


def test_credentials_do_not_follow_a_redirect_to_another_host() -> None:
    def cdn(h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "5")
        h.end_headers()
        h.wfile.write(b"bytes")

    with _Fake(cdn) as elsewhere:
        def registry(h: Any) -> None:
            if "Authorization" not in h.headers:
                h.send_response(401)
                h.send_header("WWW-Authenticate", 'Basic realm="test"')
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            h.send_response(307)
            h.send_header("Location", f"http://{elsewhere.host}/blob?signed=1")
            h.send_header("Content-Length", "0")
            h.end_headers()

        with _Fake(registry) as fake:
            response = oci.Registry(fake.host, oci.Credentials("AWS", "token")).open_blob("a/b", "sha256:" + "0" * 64)
            assert response.read() == b"bytes"
            response.release_conn()
    assert [p for p, _ in fake.seen] == ["/v2/a/b/blobs/sha256:" + "0" * 64] * 2
    assert "Authorization" in fake.seen[1][1]
    assert elsewhere.seen == [("/blob?signed=1", elsewhere.seen[0][1])]
    assert "Authorization" not in elsewhere.seen[0][1]


def test_a_redirect_to_plain_http_elsewhere_is_refused() -> None:
    def registry(h: Any) -> None:
        h.send_response(307)
        h.send_header("Location", "http://cdn.example.com/blob")
        h.send_header("Content-Length", "0")
        h.end_headers()

    with _Fake(registry) as fake, pytest.raises(RegistryError, match=r"refusing a redirect to http://cdn\.example\.com"):
        oci.Registry(fake.host).open_blob("a/b", "sha256:" + "0" * 64)
