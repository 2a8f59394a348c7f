"""`check` runs the policy rules on the real renders of every environment, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.project import open_network_policy


def test_real_renders_without_subchart_are_clean_and_say_what_was_unseen(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    for env in ("dev", "prod", "staging"):
        summary = next(line for line in ran.out.splitlines() if line.startswith(f"{env}: policy: "))
        assert summary.startswith(f"{env}: policy: 31 rules, 0 errors, 0 warnings, 0 suppressed; ")
        assert "evaluated only in part (subchart objects not rendered" in summary


def test_real_renders_with_subchart_are_clean_and_complete(with_subchart: Path, cli) -> None:
    ran = cli(with_subchart, "check", "--format", "json")
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out)
    assert [e["env"] for e in doc["environments"]] == ["dev", "prod", "staging"]
    for env in doc["environments"]:
        assert env["findings"] == [] and env["suppressed"] == [] and env["subchart"] is True
        assert {c["coverage"] for c in env["coverage"].values()} <= {"full", "not applicable"}
    assert "policy:" not in ran.out.splitlines()[0]  # progress went to stderr
    assert "objects valid against Kubernetes" in ran.err


def test_open_policy_fails_check_with_a_finding_per_environment(bare_project: Path, cli) -> None:
    open_network_policy(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    lines = [line for line in ran.out.splitlines() if line.startswith("error: ")]
    assert len(lines) == 3
    assert lines[0].startswith("error: dev: TR-NET-001 NetworkPolicy/redis-backend-access spec.ingress[0]: admits "
                               "everyone")
    assert "Traceback" not in ran.err


def test_exception_with_reason_suppresses_and_is_shown(bare_project: Path, cli) -> None:
    open_network_policy(bare_project)
    common = bare_project / "environments" / "_common.yaml"
    common.write_text(common.read_text() + "policy_exceptions:\n  - rule: TR-NET-001\n"
                      "    reason: lab cluster without a CNI that enforces policies\n")
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    assert "suppressed: dev: TR-NET-001 NetworkPolicy/redis-backend-access spec.ingress[0]:" in ran.out
    assert "(reason: lab cluster without a CNI that enforces policies)" in ran.out
    assert "dev: policy: 31 rules, 0 errors, 0 warnings, 1 suppressed" in ran.out


@pytest.mark.parametrize(("entry", "message"), [
    ("  - rule: TR-NET-001\n", "policy_exceptions.0: missing required setting 'reason'"),
    ("  - rule: TR-NET-001\n    reason: '  '\n", "policy_exceptions.0.reason: '  ' is not a written reason"),
    ("  - rule: TR-NET-999\n    reason: typo\n", "policy_exceptions.0.rule: 'TR-NET-999' is not one of: TR-AUTH-001"),
])
def test_exception_needs_a_known_rule_and_a_reason(bare_project: Path, cli, entry: str, message: str) -> None:
    dev = bare_project / "environments" / "dev.yaml"
    dev.write_text(dev.read_text() + "policy_exceptions:\n" + entry)
    ran = cli(bare_project, "check")
    assert ran.code == 2
    assert "error: environments/dev.yaml:" in ran.err and message in ran.err
    assert "Traceback" not in ran.err


def test_bitnami_policy_switched_on_is_caught_in_the_real_render(with_subchart: Path, cli, monkeypatch) -> None:
    from generator.render import values as render_values

    original = render_values.env_values

    def with_bitnami_policy(settings):  # type: ignore[no-untyped-def]
        values = original(settings)
        values["redis"]["networkPolicy"] = {"enabled": True}
        return values

    monkeypatch.setattr(render_values, "env_values", with_bitnami_policy)
    ran = cli(with_subchart, "check")
    assert ran.code == 1
    found = [line for line in ran.out.splitlines() if line.startswith("error: dev: ")]
    # Bitnami's default policy: every source on the Redis port, every destination on every port.
    assert any(line.startswith("error: dev: TR-NET-001 NetworkPolicy/redis spec.ingress[0]: admits everyone") and
               "TCP 6379" in line for line in found), found
    assert any(line.startswith("error: dev: TR-NET-002 NetworkPolicy/redis spec.egress[0]: lets the pods reach "
                               "everyone") for line in found), found
    assert "chart/values-dev.yaml: stale" in ran.err  # the committed values do not say this


def test_image_digest_setting_pins_images_and_satisfies_the_digest_rule(bare_project: Path, cli) -> None:
    digest = "sha256:" + "0123456789abcdef" * 4
    prod = bare_project / "environments" / "prod.yaml"
    prod.write_text(prod.read_text() + "require_image_digest: true\n")
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: prod: TR-IMG-002 StatefulSet/redis-master spec.template.spec.containers[0].image:" in ran.out
    pins = "".join(f"  {name}:\n    digest: {digest}\n" for name in ("redis", "redis-exporter", "redis-sentinel"))
    prod.write_text(prod.read_text() + "images:\n" + pins)
    assert cli(bare_project, "build", "prod").code == 0
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.out + ran.err
    values = (bare_project / "chart" / "values-prod.yaml").read_text()
    assert f"digest: {digest}" in values and "pullPolicy: IfNotPresent" in values


def test_bad_digest_is_refused(bare_project: Path, cli) -> None:
    dev = bare_project / "environments" / "dev.yaml"
    dev.write_text(dev.read_text() + "images:\n  redis:\n    digest: sha256:abc\n")
    ran = cli(bare_project, "check")
    assert ran.code == 2
    assert "environments/dev.yaml:" in ran.err
    assert "images.redis.digest: 'sha256:abc' is not a sha256 digest" in ran.err
