"""Kubernetes resource quantities, parsed exactly: to compare requests with limits, and two renders' values
by value the way the API server does ("1Gi" == "1024Mi")."""

from __future__ import annotations

import re
from decimal import Decimal

_SUFFIX: dict[str, int | Decimal] = {
    "": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("0.001"),
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$")


def parse(text: str) -> Decimal:
    """The value of a quantity such as '128Mi', '0.5' or '100m'; ValueError if malformed."""
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number, exponent, suffix = match.groups()
    value = Decimal(number)
    if exponent:
        return value * Decimal(10) ** int(exponent[1:])
    return value * Decimal(_SUFFIX[suffix or ""])
