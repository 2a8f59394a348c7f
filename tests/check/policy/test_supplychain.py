"""check/policy/supplychain.py, TR-IMG-*: every image from the environment's ECR, pinned by digest when
asked. Each rule fires on every known-bad release (the good one of tests/support/policy_objects.py
with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import supplychain
from tests.support.policy_objects import (
    Break,
    container,
    init_container,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-IMG-001": [
        ("Docker Hub image", lambda c: container(c)["image"].__len__() and container(c).update(
            image="docker.io/bitnami/redis:8.2.1")),
        ("init container from elsewhere", lambda c: (init_container(c), c.pod["initContainers"][0].update(
            image="public.ecr.aws/x/os-shell:12"))[0]),
    ],
    "TR-IMG-002": [("digest required, tag given", lambda c: c.settings.update(require_image_digest=True))],
    "TR-IMG-003": [
        ("redis-latest in prod", lambda c: c.settings.update(env="prod")),
        ("plain latest in prod", lambda c: (c.settings.update(env="prod", metrics_enabled=False),
                                            container(c).update(image=f"{container(c)['image'][:-13]}:latest"))[0]),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    supplychain.RULES, BAD)
