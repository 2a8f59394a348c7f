"""core/quantity.py: Kubernetes resource quantities parsed exactly, so requests compare with limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.core import quantity


@pytest.mark.parametrize(("text", "value"), [
    ("1", Decimal(1)), ("0.5", Decimal("0.5")), (".5", Decimal("0.5")), ("100m", Decimal("0.1")),
    ("128Mi", Decimal(128 * 2**20)), ("1Gi", Decimal(2**30)), ("1G", Decimal(10**9)), ("2k", Decimal(2000)),
    ("1e3", Decimal(1000)), ("5E-1", Decimal("0.5")), ("1Ei", Decimal(2**60)),
])
def test_parse(text: str, value: Decimal) -> None:
    assert quantity.parse(text) == value


def test_binary_and_decimal_suffixes_compare_exactly() -> None:
    assert quantity.parse("1Gi") > quantity.parse("1000Mi") > quantity.parse("1G")
    assert quantity.parse("500m") == quantity.parse("0.5")


@pytest.mark.parametrize("text", ["", "1 Gi", "Gi", "-1", "1gi", "1.5.3", "1KiB", "0x10"])
def test_not_a_quantity(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        quantity.parse(text)
