"""core/text.py: one definition of a control character, and messages made one safe line."""

from __future__ import annotations

import pytest

from generator.core import text


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\0", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"])
def test_control_characters_are_named_with_their_code_point(char: str) -> None:
    found = text.control_character(f"redis{char}x")
    assert found == f"{char!r} (U+{ord(char):04X})"


@pytest.mark.parametrize("value", ["redis", "é-ü ß", "a b", "😀", "\u00a0"])
def test_printable_text_has_no_control_character(value: str) -> None:
    assert text.control_character(value) is None


def test_one_line_joins_lines_and_escapes_the_rest() -> None:
    message = "error: helm failed (exit 1): helm template x:\n    Error: one\n\n  Error: two\x1b[2J\u2028three"
    assert text.one_line(message) == ("error: helm failed (exit 1): helm template x: Error: one; Error: two"
                                      "\\x1b[2J; three")


def test_one_line_cannot_fake_a_second_error_line() -> None:
    line = text.one_line("error: dev: bad value 'x\rerror: all good'")
    assert "\r" not in line and "\n" not in line
    assert line == "error: dev: bad value 'x; error: all good'"


def test_escaped_keeps_indentation_and_escapes_every_control_character() -> None:
    assert text.escaped("  a\tb\nc\x00") == "  a\\tb\\nc\\x00"


def test_shown_is_a_repr_cut_to_its_bound() -> None:
    assert text.shown("a\nb") == "'a\\nb'"
    long = text.shown("x" * 500, most=20)
    assert len(long) == 20 and long.endswith("...")


def test_path_shown_quotes_only_paths_with_control_characters() -> None:
    assert text.path_shown("/tmp/project") == "/tmp/project"
    assert text.path_shown("/tmp/pro\nject") == "'/tmp/pro\\nject'"
