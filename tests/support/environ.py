"""The process environment a test starts from."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
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


@contextlib.contextmanager
def own_cache() -> Iterator[None]:
    """XDG_CACHE_HOME an empty temporary folder (generator/core/cache.py, the archive cache),
    removed and the caller's restored afterwards."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="twofa-redis-cache.")
    try:
        yield
    finally:
        shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved
