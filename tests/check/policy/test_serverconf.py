"""check/policy/serverconf.py: the configuration redis-server really ends up with, read the way it
reads it (start-script arguments, then the included files in order, a later line winning)."""

from __future__ import annotations

import pytest

from generator.check.policy import serverconf
from tests.support.policy_objects import Case, add_config


def _save(*lines: str) -> tuple[tuple[int, int], ...] | None:
    directives = serverconf.parse_lines("\n".join(lines), "ConfigMap/x", "data.redis.conf")
    return serverconf.Effective("test", tuple(directives)).save()


def test_lines_are_parsed_with_their_place() -> None:
    found = serverconf.parse_lines('# a comment\n\nSAVE 60 1\nrename-command FLUSHDB ""\n', "ConfigMap/c", "data.a")
    assert [(d.name, d.args, d.where) for d in found] == [
        ("save", ("60", "1"), "ConfigMap/c data.a line 3"),
        ("rename-command", ("FLUSHDB", ""), "ConfigMap/c data.a line 4"),
    ]


@pytest.mark.parametrize(("lines", "rules"), [
    ((), serverconf.REDIS_DEFAULT_SAVE),  # no save line: Redis' own default
    (("save 60 1",), ((60, 1),)),
    (("save 60 1", "save 300 10"), ((60, 1), (300, 10))),  # later lines add
    (("save 60 1", 'save ""'), ()),  # save "" clears everything before it
    (('save ""', "save 900 1"), ((900, 1),)),
    (("save 60",), None),  # odd: unparsable, so no rule can claim it holds
    (("save sixty 1",), None),
])
def test_the_save_rules_in_force(lines: tuple[str, ...], rules: object) -> None:
    assert _save(*lines) == rules


def test_from_the_render_each_start_script_with_its_includes_in_order() -> None:
    case = Case()
    add_config(case, "master.conf", "appendonly yes")
    (master,) = serverconf.from_render(case.context())
    assert master.role == "start-master.sh"
    assert [d.name for d in master.directives][:3] == ["port", "requirepass", "masterauth"]
    assert master.last("appendonly") is not None and master.last("appendonly").args == ("yes",)  # master.conf wins
    assert master.last("appendonly").where == "ConfigMap/redis-configuration data.master.conf line 4"
    assert master.save() == ((60, 1),)


def test_from_the_values_as_bitnamis_templates_would_build_them() -> None:
    ctx = Case().context({"redis": {"master": {"extraFlags": ["--maxmemory", "64mb"]}}})
    effective = serverconf.from_values(ctx)
    assert effective.role == "values"
    assert effective.last("dir") is not None and effective.last("dir").args == ("/data",)
    assert effective.last("maxmemory") is not None and effective.last("maxmemory").where == (
        "chart/values-staging.yaml redis.master.extraFlags")
    assert effective.save() == ((60, 1),)  # the fixture's rdb_save default, in commonConfiguration
