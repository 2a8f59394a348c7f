"""images/answers.py: what a registry answered, and letting go of an answer without reading a
hostile body to its end."""

from __future__ import annotations

import io

import pytest
import urllib3

from generator.images import answers


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1:5000", True), ("localhost:5000", True), ("[::1]:5000", True), ("127.8.9.10", True),
    ("registry-1.docker.io", False), ("10.0.0.1:5000", False), ("localhost.example.com", False), ("", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert answers.is_loopback(host) is loopback


class _Body(io.BytesIO):
    """A body that counts what was read of it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def _response(body: io.BytesIO, length: int) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(body=body, headers={"Content-Length": str(length)}, status=404,
                                preload_content=False)


def test_a_small_rest_is_drained_to_keep_the_connection() -> None:
    body = _Body(b"x" * 100)
    answers.discard(_response(body, 100))
    assert body.taken == 100


def test_a_big_or_endless_rest_is_not_read() -> None:
    body = _Body(b"x" * (1 << 17))
    answers.discard(_response(body, 1 << 40))  # a hostile Content-Length: closed, never read
    assert body.taken == 0 and body.closed
