"""generator/core/cache.py: entries written atomically and privately, read back exactly, a miss
whenever an entry is missing, torn or altered, and keys that tell every input apart."""

from __future__ import annotations

import base64
import datetime
import os
import stat
from pathlib import Path

import pytest

from generator.core import cache


def _key(*parts: str) -> cache.Key:
    key = cache.Key("test")
    for i, part in enumerate(parts):
        key.add(f"part{i}", part)
    return key


def test_what_is_put_is_got_back_exactly() -> None:
    text = "line 1\nlïne 2 \u2603\n\n"  # trailing newlines and non-ASCII survive
    cache.put(_key("a"), text)
    assert cache.get(_key("a")) == text
    assert cache.get(_key("b")) is None


def test_entries_live_under_xdg_cache_home_private_and_leave_no_temporary_file(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache.put(_key("a"), "x")
    entries = [p for p in (tmp_path / "xdg" / "twofa-redis").rglob("*") if p.is_file()]
    assert entries == [tmp_path / "xdg" / "twofa-redis" / f"v{cache.FORMAT}" / "test" / _key("a").hexdigest()]
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(entries[0].parent.stat().st_mode) == 0o700


def test_without_xdg_cache_home_the_cache_is_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.directory() == tmp_path / ".cache" / "twofa-redis" / f"v{cache.FORMAT}"


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_a_torn_or_altered_entry_is_a_miss(damage: str) -> None:
    cache.put(_key("a"), "some cached text")
    entry = cache.directory() / "test" / _key("a").hexdigest()
    raw = entry.read_bytes()
    entry.write_bytes({"truncate": raw[:-5], "flip": raw.replace(b"some", b"Some"), "empty": b""}[damage])
    assert cache.get(_key("a")) is None


def test_deleting_the_cache_at_any_time_is_a_miss_not_an_error() -> None:
    cache.put(_key("a"), "x")
    for path in sorted(cache.directory().rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    cache.directory().rmdir()
    assert cache.get(_key("a")) is None
    cache.put(_key("a"), "y")  # and it comes back
    assert cache.get(_key("a")) == "y"


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    cache.put(_key("a"), "x")  # no exception
    assert cache.get(_key("a")) is None


def test_turned_off_nothing_is_read_or_written(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.put(_key("a"), "x")
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1")
    assert cache.get(_key("a")) is None
    cache.put(_key("b"), "y")
    monkeypatch.delenv(cache.DISABLE_VARIABLE)
    assert cache.get(_key("a")) == "x"
    assert cache.get(_key("b")) is None


def test_keys_tell_inputs_apart_at_their_boundaries() -> None:
    assert _key("ab", "c").hexdigest() != _key("a", "bc").hexdigest()
    assert _key("a").hexdigest() == _key("a").hexdigest()
    assert cache.Key("one").hexdigest() != cache.Key("two").hexdigest()
    values = [1, "1", True, 1.0, None, [1], {"a": 1}, {"a": "1"}, datetime.date(2024, 1, 1), "2024-01-01"]
    digests = {cache.Key("k").data("v", v).hexdigest() for v in values}
    assert len(digests) == len(values)


def test_a_key_covers_the_generator_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _key("a").hexdigest()
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    assert _key("a").hexdigest() != before


def test_tree_keys_change_with_every_file_name_kind_and_byte(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "sub" / "b.bin").write_bytes(b"\0b")
    seen = {cache.Key("t").tree("x", root).hexdigest()}

    def changed() -> None:
        digest = cache.Key("t").tree("x", root).hexdigest()
        assert digest not in seen
        seen.add(digest)

    (root / "sub" / "b.bin").write_bytes(b"\0c")
    changed()
    (root / "a.txt").rename(root / "c.txt")
    changed()
    (root / "empty").mkdir()
    changed()
    os.symlink("c.txt", root / "link")
    changed()
    (root / "link").unlink()
    os.symlink("sub/b.bin", root / "link")
    changed()


def test_json_entries_round_trip_and_what_json_would_change_is_not_stored() -> None:
    value = {"a": [1, 2.5, True, None, "x"], "b": {"c": {}}}
    cache.put_json(_key("ok"), value)
    assert cache.get_json(_key("ok")) == value
    for i, odd in enumerate(({1: "int key"}, {"d": datetime.date(2024, 1, 1)}, [float("nan")], ("tuple",))):
        cache.put_json(_key(f"odd{i}"), odd)
        assert cache.get_json(_key(f"odd{i}")) is None


def test_a_package_is_known_by_place_version_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    site = tmp_path / "site"
    (site / "fakepkg").mkdir(parents=True)
    (site / "fakepkg" / "__init__.py").write_text("")
    (site / "fakepkg-1.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    seen = set()

    def digest() -> str:
        cache._package.cache_clear()  # remembered per process: a package does not change under a run
        return cache.Key("k").package("fakepkg").hexdigest()

    seen.add(digest())
    (site / "fakepkg-1.0.dist-info").rename(site / "fakepkg-1.1.dist-info")
    seen.add(digest())
    (site / "fakepkg" / "__init__.py").write_text("# reinstalled\n")
    seen.add(digest())
    assert len(seen) == 3
    assert cache.Key("k").package("no_such_package_here").hexdigest() not in seen


PASTED = "pa\\ss'w\"rd-0123"  # a backslash and both quotes: repr() would escape them


@pytest.mark.parametrize("way", ["text", "bytes", "base64", "file", "nested data", "tree"])
def test_nothing_is_stored_under_a_key_whose_inputs_hold_a_supplied_password(
        way: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASTED)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "values.yaml").write_text(f"note: {PASTED}\n")

    def key() -> cache.Key:
        k = cache.Key("t").add("plain", "nothing secret")
        if way == "text":
            return k.add("x", f"prefix {PASTED} suffix")
        if way == "bytes":
            return k.add("x", b"\0" + PASTED.encode())
        if way == "base64":
            return k.add("x", base64.b64encode(PASTED.encode()).decode())
        if way == "file":
            return k.file("x", tmp_path / "dir" / "values.yaml")
        if way == "nested data":
            return k.data("x", {"a": [{"b": PASTED}]})
        return k.tree("x", tmp_path / "dir")

    cache.put(key(), "result")
    assert cache.get(key()) is None and not cache.directory().exists()
    monkeypatch.delenv("REDIS_PASSWORD")  # the same inputs, no password supplied: stored
    cache.put(key(), "result")
    assert cache.get(key()) == "result"
