"""check/policy/secrets.py, TR-SEC-*: no literal password in what is committed or rendered into
ConfigMaps. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from typing import Any

from generator.check import policy
from generator.check.policy import secrets
from tests.support.policy_objects import (
    Break,
    Case,
    add_config,
    container,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-SEC-001": [
        ("requirepass literal in a ConfigMap", lambda c: add_config(c, "redis.conf", "requirepass hunter22hunter")),
        ("ACL plaintext password", lambda c: add_config(c, "redis.conf", "user app on >s3cretpass ~* +@all")),
        ("REDIS_PASSWORD literal env", lambda c: container(c)["env"].append(
            {"name": "REDIS_PASSWORD", "value": "s3cretpass"})),
        ("Secret rendered from committed values", lambda c: c.objects.append(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "redis-secret", "namespace": "redis"},
             "data": {"redis-password": "czNjcmV0cGFzcw=="}})),
    ],
    "TR-SEC-002": [],
}


# TR-SEC-002 reads the committed files, not the render: its cases are the tests below.
test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    secrets.RULES, BAD, cased_elsewhere=frozenset({"TR-SEC-002"}))


def test_committed_password_in_values() -> None:
    case = Case()
    ctx = case.context()
    files = dict(ctx.values_files)
    files["values.yaml"] = files["values.yaml"].replace('password: ""', "password: hunter22hunter")
    from dataclasses import replace
    report = policy.evaluate(replace(ctx, values_files=files))
    fired = [f for f in report.findings if f.rule == "TR-SEC-002"]
    assert [(f.object, f.field) for f in fired] == [("chart/values.yaml", "secret.password")]
    assert "hunter22" not in fired[0].line()


def test_environment_password_found_verbatim_in_committed_files(tmp_path: Any, monkeypatch: Any) -> None:
    from dataclasses import replace
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "staging.yaml").write_text("# old password: Corr3ct-Horse\nenv: staging\n")
    monkeypatch.setenv("TF_VAR_redis_password", "Corr3ct-Horse")
    report = policy.evaluate(replace(Case().context(), root=tmp_path))
    fired = [f for f in report.findings if f.rule == "TR-SEC-002"]
    assert [f.object for f in fired] == ["environments/staging.yaml"]
    assert all("Corr3ct" not in f.line() for f in report.findings)
    monkeypatch.delenv("TF_VAR_redis_password")
    assert not [f for f in policy.evaluate(replace(Case().context(), root=tmp_path)).findings]
