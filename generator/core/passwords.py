"""The Redis password: where it may come from, what makes it usable, how it is kept out of text.

It is never a setting. build (secret_mode render), `secret put` and `smoke` read it from the
first of PASSWORD_VARIABLES that is set; `secret put` may ask for it on a terminal. The guard and
the policy rules search committed files for the value of those variables. chart/templates/
_helpers.tpl refuses a shorter secret.password with the same minimum (tests check they agree).
"""

from __future__ import annotations

import base64
import os
import re
import sys
from typing import Any

from generator.core.errors import SecretError

PASSWORD_VARIABLES = ("TF_VAR_redis_password", "REDIS_PASSWORD")
# The backend ACL user's password (acl_enabled), for `smoke` and `local`: in the cluster it lives
# only in the Secret acl_secret_name (key backend-password), never in a setting or a render.
BACKEND_PASSWORD_VARIABLE = "REDIS_BACKEND_PASSWORD"
MIN_PASSWORD = 8  # the seed's minimum
MASK = "********"
# A setting's name that says it holds a password (refused by the schema with its own message).
PASSWORDISH = re.compile(r"pass(word|wd)?|secret_value|requirepass", re.IGNORECASE)


def _checked(value: str, what: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise SecretError(f"{what} is shorter than {MIN_PASSWORD} characters (the seed's minimum)")
    if any(c in value for c in "\r\n\0"):
        raise SecretError(f"{what} contains a line break or NUL; use a single-line password")
    return value


def read_password() -> str | None:
    """The password from the environment, checked; never echoed, logged or written to chart/."""
    for variable in PASSWORD_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return _checked(value, f"${variable}")
    return None


def read_backend_password() -> str | None:
    """The backend ACL user's password from $REDIS_BACKEND_PASSWORD, checked, or None."""
    value = os.environ.get(BACKEND_PASSWORD_VARIABLE)
    return _checked(value, f"${BACKEND_PASSWORD_VARIABLE}") if value else None


def variables_shown() -> str:
    return " or ".join(f"${v}" for v in PASSWORD_VARIABLES)


def ask(prompt: bool | None = None) -> str:
    """From the environment variable, else a prompt on a terminal (asked twice, never echoed)."""
    import getpass

    found = read_password()
    if found is not None:
        return found
    if prompt is None:
        prompt = sys.stdin.isatty()
    if not prompt:
        raise SecretError(f"no password: set {variables_shown()}, or run on a terminal to be prompted")
    first = _checked(getpass.getpass("Redis password (not echoed): "), "the password")
    if getpass.getpass("Again: ") != first:
        raise SecretError("the two passwords differ; nothing was stored")
    return first


def supplied() -> list[str]:
    """Every value of the password variables long enough to be a password: what the guard and
    the rules search committed files for (a shorter string would match by chance)."""
    values = (os.environ.get(variable) or "" for variable in (*PASSWORD_VARIABLES, BACKEND_PASSWORD_VARIABLE))
    return [value for value in values if len(value) >= MIN_PASSWORD]


def held_in(value: Any) -> bool:
    """Whether `value` (text, bytes, or dicts and lists of them) holds a supplied password,
    plainly or as base64. The cache stores nothing keyed on such a value, not even by its hash,
    which would let guesses be tested against it (generator/core/cache.py)."""
    found = [form for password in supplied() for form in forms(password)]
    return bool(found) and _holds(value, found)


def _holds(value: Any, found: list[str]) -> bool:
    if isinstance(value, bytes):
        return any(form.encode() in value for form in found)
    if isinstance(value, dict):
        return any(_holds(k, found) or _holds(v, found) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds(item, found) for item in value)
    text = value if isinstance(value, str) else str(value)
    return any(form in text for form in found)


def forms(password: str) -> tuple[str, str]:
    """The password as written and as the base64 a Secret's data holds."""
    return password, base64.b64encode(password.encode()).decode()


def scrub(text: str, password: str | None) -> str:
    """The text without the password: plain, as the base64 the Secret's data holds, or escaped
    the way repr() shows it (a message quoting a peer's answer with !r)."""
    if not password:
        return text
    for form in sorted({*forms(password), repr(password)[1:-1]}, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text
