"""load/yamlreader.py: an environment file read (size, type and encoding refused with a line) and
parsed (tests/load/test_yamlparse.py), or taken from the cache: keyed on the file's bytes, its name
as shown and the reader's code, each changed in turn a miss; a hit is what a fresh parse gives;
a read with any problem is never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core import cache
from generator.load import yamlparse, yamlreader
from tests.support.cli import tree


def test_oversized_file(bare_project: Path, cli) -> None:
    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text() + "# padding\n" * 120_000)
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: environments/dev.yaml: file is larger than 1048576 bytes\n")
    assert tree(bare_project) == before


def _entries() -> int:
    folder = cache.directory() / "environment-file"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


TEXT = "# a comment\nprefix: twofa\nresources:\n  limits:\n    memory: 256Mi\ntolerations:\n- key: a\n"


def test_a_cached_read_is_the_fresh_parse(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(TEXT)
    fresh = yamlparse.parse(TEXT, "environments/dev.yaml")
    assert yamlreader.read_yaml(path, "environments/dev.yaml") == fresh and _entries() == 1
    assert yamlreader.read_yaml(path, "environments/dev.yaml") == fresh and _entries() == 1
    data, marks, problems, refused = fresh
    assert data["resources"] == {"limits": {"memory": "256Mi"}} and marks[("tolerations", "0", "key")].line == 7
    assert (problems, refused) == ([], set())


def test_each_input_of_a_read_changed_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(TEXT)
    yamlreader.read_yaml(path, "environments/dev.yaml")
    yamlreader.read_yaml(path, "environments/staging.yaml")  # the name every Origin and message carries
    assert _entries() == 2
    path.write_text(TEXT.replace("256Mi", "512Mi"))
    assert yamlreader.read_yaml(path, "environments/dev.yaml")[0]["resources"]["limits"]["memory"] == "512Mi"
    assert _entries() == 3
    path.write_text(TEXT.replace("# a comment", "# another comment"))  # the same data, other bytes: lines may move
    yamlreader.read_yaml(path, "environments/dev.yaml")
    assert _entries() == 4
    code = tmp_path / "package"
    for module in yamlreader._CODE:
        (code / module).parent.mkdir(parents=True, exist_ok=True)
        (code / module).write_bytes((cache.PACKAGE / module).read_bytes())
    monkeypatch.setattr(cache, "PACKAGE", code)
    yamlreader.read_yaml(path, "environments/dev.yaml")
    assert _entries() == 4, "the same code bytes elsewhere: the same key"
    for count, module in enumerate(yamlreader._CODE, start=5):
        (code / module).write_text((code / module).read_text() + "\n#\n")
        yamlreader.read_yaml(path, "environments/dev.yaml")
        assert _entries() == count, f"{module} changed: a new key"


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",  # a duplicate key
    "a: &x 1\nb: *x\n",  # an anchor
    "a: [\n",  # not YAML
    "- a\n",  # not a mapping
    "a: 1\nb: 99999999999999999999999\n",  # a number too long
])
def test_a_read_with_a_problem_is_never_cached(tmp_path: Path, text: str) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(text)
    first = yamlreader.read_yaml(path, "environments/dev.yaml")
    assert first[2], "the case is a problem"
    assert yamlreader.read_yaml(path, "environments/dev.yaml") == first
    assert _entries() == 0


def test_a_corrupt_or_foreign_entry_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(TEXT)
    fresh = yamlreader.read_yaml(path, "environments/dev.yaml")
    (entry,) = (cache.directory() / "environment-file").iterdir()
    for stored in ('{"data": {"prefix": "x"}, "marks": [["prefix"]]}', '{"data": [], "marks": []}', "not json"):
        entry.write_text(stored)
        assert yamlreader.read_yaml(path, "environments/dev.yaml") == fresh


def _reader_entries_after_two_reads(tmp_path: Path, text: str) -> int:
    path = tmp_path / "dev.yaml"
    path.write_text(text)
    first = yamlreader.read_yaml(path, "environments/dev.yaml")
    assert yamlreader.read_yaml(path, "environments/dev.yaml") == first
    return _entries()


@pytest.mark.parametrize("key", ["redis_password", "auth:\n  requirepass", "secret_value", "db_passwd"])
def test_a_file_with_a_password_like_setting_is_never_cached(tmp_path: Path, key: str) -> None:
    assert _reader_entries_after_two_reads(tmp_path, f"prefix: twofa\n{key}: not-written-anywhere\n") == 0


def test_a_file_holding_a_supplied_password_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "prefix: twofa\n# the old one was tw0fa-hunter2, rotated\n"
    monkeypatch.setenv("REDIS_PASSWORD", "tw0fa-hunter2")
    assert _reader_entries_after_two_reads(tmp_path, text) == 0
    monkeypatch.setenv("REDIS_PASSWORD", "another-password")
    assert _reader_entries_after_two_reads(tmp_path, text) == 1
