"""load/origin.py: the file and line of a setting is a value: two reads of the same file, one from
the cache (load/yamlreader.py) and one parsed afresh, give equal Origins, usable as keys and never
changed by a caller."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator.load import yamlparse, yamlreader
from generator.load.origin import Origin


def test_origins_compare_by_file_and_line_and_cannot_be_changed() -> None:
    assert Origin("environments/dev.yaml", 3) == Origin("environments/dev.yaml", 3)
    assert len({Origin("environments/dev.yaml", 3), Origin("environments/dev.yaml", 3),
                Origin("environments/prod.yaml", 3)}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        Origin("environments/dev.yaml", 3).line = 4  # type: ignore[misc]


def test_a_cached_read_carries_the_origins_of_a_fresh_parse(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("prefix: twofa\n\nresources:\n  limits: {memory: 256Mi}\n")
    yamlreader.read_yaml(path, "environments/dev.yaml")
    _, cached, _, _ = yamlreader.read_yaml(path, "environments/dev.yaml")
    _, fresh, _, _ = yamlparse.parse(path.read_text(), "environments/dev.yaml")
    assert cached == fresh == {("prefix",): Origin("environments/dev.yaml", 1),
                               ("resources",): Origin("environments/dev.yaml", 3),
                               ("resources", "limits"): Origin("environments/dev.yaml", 4),
                               ("resources", "limits", "memory"): Origin("environments/dev.yaml", 4)}
