"""The process environment a test starts from."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from generator.core.passwords import PASSWORD_VARIABLES


@contextlib.contextmanager
def no_password() -> Iterator[None]:
    """No password variable set, whatever the caller's shell exports; restored afterwards. Every
    test runs inside it (tests/conftest.py) and so does building the tests' project."""
    saved = {v: os.environ.pop(v) for v in PASSWORD_VARIABLES if v in os.environ}
    try:
        yield
    finally:
        for variable in PASSWORD_VARIABLES:
            os.environ.pop(variable, None)
        os.environ.update(saved)
