"""Counted nouns in output: "1 object", "2 objects"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count word`, the word in the plural unless count is 1 (`many` for an irregular one)."""
    return f"{count} {word if count == 1 else many or word + 's'}"
