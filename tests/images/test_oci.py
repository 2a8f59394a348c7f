"""Image references and the transport rule of the registry client."""

from __future__ import annotations


