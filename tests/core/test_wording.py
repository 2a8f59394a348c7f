"""core/wording.py: counted nouns read "1 object", "2 objects"."""

from __future__ import annotations

import pytest

from generator.core.wording import plural


@pytest.mark.parametrize(("count", "word", "many", "expected"), [
    (0, "object", None, "0 objects"),
    (1, "object", None, "1 object"),
    (2, "object", None, "2 objects"),
    (1, "is", "are", "1 is"),
    (3, "is", "are", "3 are"),
])
def test_plural(count: int, word: str, many: str | None, expected: str) -> None:
    assert plural(count, word, many) == expected
