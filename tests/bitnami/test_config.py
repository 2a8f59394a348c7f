"""bitnami/config.py: our copy of the subchart's configuration ConfigMap, compared with the real render
when the archive is present."""

from __future__ import annotations

import pytest

from generator.bitnami import config
from tests.support import fixture_project, ha, runtime_config
from tests.support.fixture_project import SKIP_NO_SUBCHART


@pytest.mark.parametrize("env", [*fixture_project.ENVS, ha.VARIANT])  # the HA variant: sentinel.conf too
def test_equivalent_matches_the_subchart_render(root_of, env: str) -> None:
    if fixture_project.archive() is None:
        pytest.skip(SKIP_NO_SUBCHART)
    root, name = root_of(env)
    real = runtime_config.rendered(name, root=root)
    assert real is not None
    if env == ha.VARIANT:
        assert runtime_config.settings(name, root=root).sentinel_enabled and "sentinel.conf" in real
    ours = runtime_config.equivalent(runtime_config.settings(name, root=root))
    assert real == ours


def test_configmap_refuses_bitnami_acl() -> None:
    with pytest.raises(ValueError, match="lookup"):
        config.configmap({"auth": {"acl": {"enabled": True}}})
