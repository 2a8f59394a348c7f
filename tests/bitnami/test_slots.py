"""bitnami/slots.py: every image the Bitnami chart can pull, and the switch in the values that turns
it on (the real render is compared with it in tests/e2e/test_bitnami.py when the archive is there)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.bitnami.slots import SLOTS


def pulled(values: dict[str, Any]) -> list[str]:
    """The slots that would render an image, by path."""
    return [".".join(s.path) for s in SLOTS if s.used(values)]


def test_every_slot_has_its_image_path_and_name() -> None:
    assert [(".".join(s.path), s.name) for s in SLOTS] == [
        ("image", "redis"), ("sentinel.image", "redis-sentinel"), ("metrics.image", "redis-exporter"),
        ("volumePermissions.image", "os-shell"), ("sysctl.image", "os-shell"), ("kubectl.image", "kubectl")]


@pytest.mark.parametrize(("values", "images"), [
    ({"architecture": "standalone"}, ["image"]),
    ({"architecture": "standalone", "metrics": {"enabled": True}}, ["image", "metrics.image"]),
    # Sentinel renders only with replication, which is Bitnami's default architecture.
    ({"architecture": "standalone", "sentinel": {"enabled": True}}, ["image"]),
    ({"sentinel": {"enabled": True}}, ["image", "sentinel.image"]),
    ({"architecture": "replication", "sentinel": {"enabled": True, "masterService": {"enabled": True}}},
     ["image", "sentinel.image", "kubectl.image"]),
    ({"architecture": "replication", "sentinel": {"enabled": True, "service": {"createMaster": True}}},
     ["image", "sentinel.image", "kubectl.image"]),
    ({"architecture": "replication", "sentinel": {"masterService": {"enabled": True}}}, ["image"]),
    ({"architecture": "standalone", "sysctl": {"enabled": True}}, ["image", "sysctl.image"]),
])
def test_what_each_switch_turns_on(values: dict[str, Any], images: list[str]) -> None:
    assert pulled(values) == images


def test_volume_permissions_needs_persistence_and_both_security_contexts() -> None:
    on = {"architecture": "standalone", "volumePermissions": {"enabled": True}}
    assert pulled(on) == ["image", "volumePermissions.image"]
    for off in ("persistence", "podSecurityContext", "containerSecurityContext"):
        values = {**on, "master": {off: {"enabled": False}}}
        assert pulled(values) == ["image"], off
    # With replication the replicas count too: one component that needs it is enough.
    replicated = {**on, "architecture": "replication", "master": {"persistence": {"enabled": False}}}
    assert pulled(replicated) == ["image", "volumePermissions.image"]
