"""Hostile settings (issue 14): control characters, numbers that are not integers or are too
big, files too big to be settings, odd environment names and --root. Each case: exit 2, one
`error:` line naming the file and the setting, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import tree
from tests.support.hostile_cli import PASSWORD, assert_refused, env, run

DEV = "environments/dev.yaml"
CONTROLS = {"lf_end": lambda v: v + "\n", "nul_mid": lambda v: v[:2] + "\0" + v[2:],
            "esc_mid": lambda v: v[:2] + "\x1b[31m" + v[2:], "nel_end": lambda v: v + "\x85",
            "u2028_end": lambda v: v + "\u2028", "tab_end": lambda v: v + "\t", "del_end": lambda v: v + "\x7f"}
# One setting per kind of string: a DNS label, a digest, a free text, a URL, a path, a version.
SETTINGS = {"namespace": "redis", "images.redis.digest": "sha256:" + "a" * 64,
            "policy_exceptions.0.reason": "accepted for this test", "argocd.repo_url": "https://git.example.com/x.git",
            "ecr_source.terraform_state.path": "state/terraform.tfstate", "kube_version": "1.33"}


def _place(text: str, setting: str, value: str) -> str:
    quoted = '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'  # a YAML escape, not raw
    top = setting.split(".")[0]
    text = re.sub(rf"(?ms)^{re.escape(top)}:.*?(?=^[^\s#]|\Z)", "", text)
    if setting == "policy_exceptions.0.reason":
        return text + f"policy_exceptions:\n  - rule: TR-IMG-002\n    reason: {quoted}\n"
    if setting == "ecr_source.terraform_state.path":
        text = re.sub(r"(?m)^ecr_(registry|repository):.*\n", "", text)
        return text + f"ecr_source:\n  terraform_state:\n    path: {quoted}\n"
    parts = setting.split(".")
    return text + "".join(f"{'  ' * i}{p}:\n" for i, p in enumerate(parts[:-1])) + \
        f"{'  ' * (len(parts) - 1)}{parts[-1]}: {quoted}\n"


CASES = [(s, c) for s in SETTINGS for c in ("lf_end", "nul_mid", "esc_mid")] + [
    ("policy_exceptions.0.reason", c) for c in ("nel_end", "u2028_end", "tab_end", "del_end")]


@pytest.mark.parametrize(("setting", "control"), CASES, ids=[f"{s}-{c}" for s, c in CASES])
def test_a_control_character_in_a_setting_is_refused(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch,
                                                     setting: str, control: str) -> None:
    path = bare_project / DEV
    path.write_text(_place(path.read_text(), setting, CONTROLS[control](SETTINGS[setting])))
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2, ran.err
    assert len(ran.err.splitlines()) == 1 and ran.err.startswith(f"error: {DEV}:"), ran.err
    assert f": {setting}: contains a control character" in ran.err
    assert tree(bare_project) == before


NUMBERS = {
    "float_for_integer": ("otp_ttl_seconds: 300.0\n", "otp_ttl_seconds: expected a whole number, got a number 300.0"),
    "exponent_for_integer": ("replica_count: 3.0e+0\n", "replica_count: expected a whole number"),
    "5000_digits": ("otp_ttl_seconds: " + "1" * 5000 + "\n", "otp_ttl_seconds: invalid value: a number of 5000 digits"),
    "hex_5000_digits": ("otp_ttl_seconds: 0x" + "f" * 5000 + "\n", "otp_ttl_seconds: invalid value: a number of"),
    "key_5000_digits": ("? " + "1" * 5000 + "\n: 1\n", "invalid value: a number of 5000 digits"),
    "list_item_5000_digits": ("api_versions:\n  - v1\n  - " + "9" * 5000 + "\n", "api_versions.1: invalid value"),
}


@pytest.mark.parametrize("name", NUMBERS)
def test_numbers_are_integers_of_a_bounded_size(bare_project: Path, cli, name: str) -> None:
    text, expected = NUMBERS[name]
    path = bare_project / DEV
    key = text.split(":")[0]
    path.write_text(re.sub(rf"(?ms)^{re.escape(key)}:.*?(?=^[^\s#]|\Z)", "", path.read_text()) + text)
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2, ran.err
    assert len(ran.err.splitlines()) == 1 and expected in ran.err, ran.err
    assert tree(bare_project) == before


def _keys(n: int, indent: str = "") -> str:
    return "".join(f"{indent}k{i:05d}: 1\n" for i in range(n))


BIG = {
    "20000_keys": (lambda t: t + _keys(20_000), f"{DEV}:"),
    "20000_list_items": (lambda t: t + "api_versions:\n" + "".join(f"  - g{i}.example.io/v1\n" for i in range(20_000)),
                         "more than 2000 values in one file"),
    "billion_laughs": (lambda t: t + "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 4) + "]\n" for i in range(8)),
        "YAML anchor &a (and 8 more anchors)"),
    "65_policy_exceptions": (lambda t: t + "policy_exceptions:\n" + "".join(
        f"  - {{rule: TR-IMG-002, reason: r{i}}}\n" for i in range(65)), "expected at most 64 items, got 65"),
}


@pytest.mark.parametrize("name", BIG)
def test_big_files_end_in_a_short_report(bare_project: Path, tmp_path: Path, name: str) -> None:
    """A subprocess with a deadline: the quadratic merge used to take minutes here."""
    make, expected = BIG[name]
    path = bare_project / DEV
    path.write_text(make(path.read_text()))
    before = tree(bare_project)
    ran = run(bare_project, "build", "dev", environ=env(tmp_path), deadline=20)
    assert_refused(ran, 2, DEV, expected, lines=1)
    assert tree(bare_project) == before


def test_many_problems_are_capped_with_a_count(bare_project: Path, cli) -> None:
    path = bare_project / DEV
    path.write_text(path.read_text() + _keys(500))
    ran = cli(bare_project, "build", "dev")
    lines = ran.err.splitlines()
    assert ran.code == 2 and len(lines) == 21, lines[-3:]
    assert lines[-1] == f"error: {DEV}: ... and 480 more problems in this file"


NAMES = {"lf_end": "dev\n", "esc": "dev\x1b[2J", "u2028": "dev\u2028", "long": "d" * 5000}


@pytest.mark.parametrize("name", NAMES)
def test_an_odd_environment_name_is_one_escaped_line(bare_project: Path, cli, name: str) -> None:
    ran = cli(bare_project, "build", NAMES[name])
    assert ran.code == 2
    assert len(ran.err.splitlines()) == 1 and "is not an environment name" in ran.err, ran.err
    assert len(ran.err) < 300 and "\x1b" not in ran.err and "\u2028" not in ran.err


@pytest.mark.parametrize("root", ["proj\nx", "proj\x1b[31m"], ids=["lf", "esc"])
def test_a_root_with_control_characters_is_one_escaped_line(tmp_path: Path, cli, root: str) -> None:
    ran = cli(tmp_path / root, "build", "dev")
    assert ran.code == 2
    assert len(ran.err.splitlines()) == 1 and ran.err.startswith("error: --root: "), ran.err
    assert "contains a control character" in ran.err
    assert "\x1b" not in ran.err
