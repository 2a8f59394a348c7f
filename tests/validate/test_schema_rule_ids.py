"""policy_exceptions may name every policy rule, and only those."""

from __future__ import annotations

from generator.check import policy
from generator.validate import schema


def test_the_schema_lists_every_rule_id() -> None:
    item = schema.load_schema()["properties"]["policy_exceptions"]["items"]["properties"]["rule"]
    assert item["enum"] == [r.id for r in policy.RULES]
