"""commands/outputs.py: `outputs <env>`, the Terraform module's outputs as JSON."""

from __future__ import annotations

from pathlib import Path


def test_outputs_of_dev(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "outputs", "dev")
    assert ran.code == 0, ran.err
    assert '"redis_host": "redis-master.redis.svc.cluster.local"' in ran.out
    assert '"redis_connection_url": "redis://redis-master.redis.svc.cluster.local:6379"' in ran.out
