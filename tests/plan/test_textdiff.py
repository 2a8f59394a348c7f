"""The detail section: one unified diff per object, Secret data masked, multi-line strings (start
scripts, redis.conf) diffed line by line instead of as one escaped line."""

from __future__ import annotations

from generator.plan import textdiff
from tests.support import plan_renders as renders

LABEL = "v1/Secret/redis/s"


def changed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def secret(value: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "redis"},
            "data": {"redis-password": value}}


def test_secret_data_is_masked_and_a_change_still_shows() -> None:
    assert textdiff.diff(LABEL, secret("b2xkLXBhc3N3b3Jk"), secret("b2xkLXBhc3N3b3Jk")) == ""
    text = textdiff.diff(LABEL, secret("b2xkLXBhc3N3b3Jk"), secret("bmV3LXBhc3N3b3Jk"))
    assert changed_lines(text) == ["-  redis-password: (masked)", "+  redis-password: (masked), changed"]
    added = textdiff.diff(LABEL, None, secret("bmV3LXBhc3N3b3Jk"))
    assert added.startswith("--- /dev/null\n+++ b/v1/Secret/redis/s\n")
    assert "bmV3" not in added and "+  redis-password: (masked)" in added


def test_a_multi_line_string_is_a_text_diff_of_its_lines() -> None:
    key = ("", "ConfigMap", "redis", "redis-configuration")
    old, new = renders.renders()[2]["base"][key], renders.renders()[2]["rdb_save"][key]
    text = textdiff.diff("v1/ConfigMap/redis/redis-configuration", old, new)
    assert "--- a/v1/ConfigMap/redis/redis-configuration data.redis.conf\n" in text
    assert changed_lines(text) == ["-save 60 1", "+save 300 1 60 100"]
    assert "\\n" not in text  # never a JSON-escaped line


def test_key_order_is_not_a_change() -> None:
    a = {"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "y"}, "data": {"a": "1", "b": "2"}}
    b = {"data": {"b": "2", "a": "1"}, "metadata": {"namespace": "y", "name": "x"}, "kind": "ConfigMap"}
    assert textdiff.diff("v1/ConfigMap/y/x", a, b) == ""
