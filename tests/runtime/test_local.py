"""runtime/local.py: the environment's rendered Redis on 127.0.0.1, private, gone when stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import pipeline
from generator.runtime import local

redis = pytest.importorskip("redis")


def test_started_runs_the_rendered_configuration_on_loopback_and_cleans_up(bare_project: Path) -> None:
    prepared = pipeline.prepare(bare_project, "dev", resolve_ecr=False)
    password = local.generated_password()
    assert len(password) >= 16 and password != local.generated_password()
    with local.started(bare_project, prepared.settings, prepared.env.file, password, None) as r:
        client = redis.Redis(host=local.HOST, port=r.port, password=password, socket_timeout=5)
        assert client.ping()
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.config_get("save")["save"] == prepared.settings.rdb_save  # dev's rendered RDB rule
        assert client.config_get("dir")["dir"].startswith(str(r.workdir))
        assert r.workdir.stat().st_mode & 0o077 == 0
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=local.HOST, port=r.port, password="wrong-password", socket_timeout=5).ping()
        workdir, process = r.workdir, r.process
    assert process.poll() is not None
    assert not workdir.exists()


def test_tail_gives_the_end_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "redis.log"
    log.write_text("".join(f"line {i}\n" for i in range(20)))
    assert local.tail(log, 2) == "line 18 | line 19"
