"""core/names.py: the names a user sees: the Terraform module's outputs (standalone and Sentinel),
and the client they tell the backend to use."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from generator import pipeline
from generator.bitnami import names as bitnami_names
from generator.core import names as naming
from tests.support import ha
from tests.support.project import append


def test_outputs_follow_the_settings(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "prod").settings
    out = naming.outputs(dataclasses.replace(settings, release_name="twofa", namespace="otp"))
    assert out == {
        "redis_enabled": True,
        "redis_host": "twofa-redis-master.otp.svc.cluster.local",
        "redis_port": 6379,
        "redis_namespace": "otp",
        "redis_password_secret_name": "redis-secret",
        "redis_password_secret_key": "redis-password",
        "redis_connection_url": "redis://twofa-redis-master.otp.svc.cluster.local:6379",
    }
    assert bitnami_names.master_pod(dataclasses.replace(settings, release_name="twofa")) == "twofa-redis-master-0"


def test_disabled_outputs_are_null(bare_project: Path) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "dev").settings, enable_redis=False)
    out = naming.outputs(settings)
    assert out["redis_enabled"] is False
    assert {k for k, v in out.items() if v is not None} == {"redis_enabled"}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_standalone_environments_keep_the_seed_names(fixture_root: Path, env: str) -> None:
    # The backend speaks plain Redis to redis_host: a standalone environment (every one of the
    # tests' project, as the seed describes) is reached at redis-master, pod redis-master-0.
    settings = pipeline.prepare(fixture_root, env).settings
    assert (settings.architecture, settings.sentinel_enabled) == ("standalone", False)
    assert bitnami_names.master_pod(settings) == "redis-master-0"  # the seed's `kubectl exec ... redis-master-0`
    out = naming.outputs(settings)
    assert out["redis_host"] == "redis-master.redis.svc.cluster.local"
    assert out["redis_connection_url"] == "redis://redis-master.redis.svc.cluster.local:6379"
    _client_contract(out, sentinel=False)


def _client_contract(out: dict[str, Any], sentinel: bool) -> None:
    """What `outputs` tells the backend about the client it needs, consistently."""
    url = urlsplit(out["redis_connection_url"])
    if sentinel:
        # A plain client on redis_host would reach any node, possibly a read-only replica: the
        # URL scheme and the redis_sentinel_* outputs say "ask Sentinel for the master".
        assert url.scheme == "redis+sentinel"
        assert (url.hostname, url.port, url.path) == (out["redis_sentinel_host"], out["redis_sentinel_port"],
                                                      "/" + out["redis_sentinel_master_set"])
        assert out["redis_host"] == out["redis_sentinel_host"] and "-master." not in out["redis_host"]
    else:
        assert url.scheme == "redis"
        assert (url.hostname, url.port) == (out["redis_host"], out["redis_port"])
        assert out["redis_host"].split(".")[0].endswith("-master")
        assert not any(k.startswith("redis_sentinel_") for k in out)


def test_sentinel_outputs(ha_project: Path, cli) -> None:
    ran = cli(ha_project, "outputs", ha.ENV)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["redis_host"] == out["redis_sentinel_host"] == "redis.redis.svc.cluster.local"
    assert out["redis_sentinel_port"] == 26379 and out["redis_sentinel_master_set"] == "mymaster"
    assert out["redis_connection_url"] == "redis+sentinel://redis.redis.svc.cluster.local:26379/mymaster"
    dev = json.loads(cli(ha_project, "outputs", "dev").out)
    assert "redis_sentinel_host" not in dev and dev["redis_host"] == "redis-master.redis.svc.cluster.local"


def test_outputs_name_the_client_the_backend_needs(ha_project: Path, cli) -> None:
    append(ha_project, "staging", "architecture: replication\nreplica_count: 2\n")  # replicas, no Sentinel
    for env in ("dev", "staging", ha.ENV):
        settings = pipeline.prepare(ha_project, env).settings
        ran = cli(ha_project, "outputs", env)
        assert ran.code == 0, ran.err
        _client_contract(json.loads(ran.out), settings.sentinel_enabled)
    assert pipeline.prepare(ha_project, ha.ENV).settings.sentinel_enabled
