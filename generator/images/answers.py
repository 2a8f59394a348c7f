"""What a registry answered, as the transport hands it on, and how a done-with answer is let go
of (generator/images/transport.py speaks to the registry)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3


def is_loopback(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Reply:
    """A registry's answer to anything but a blob download, read whole."""
    status: int
    headers: Mapping[str, str]  # urllib3's case-insensitive HTTPHeaderDict
    data: bytes


def discard(response: urllib3.BaseHTTPResponse) -> None:
    """Done with an answer: keep the connection when its rest is small, else close it (a
    hostile server must not make us read an endless body)."""
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) <= 1 << 16:
        response.drain_conn()
        response.release_conn()
    else:
        response.close()
        response.release_conn()


def _path(url: str) -> str:
    return urlsplit(url).path


def _reason(e: Exception) -> str:
    reason = getattr(e, "reason", None)
    return str(reason or e).split(": ", 1)[-1][:200]
