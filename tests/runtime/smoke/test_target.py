"""runtime/smoke/target.py: where `smoke` connects (checked before anything is tried) and the password
read from the cluster's Secret through kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import redisproc
from tests.support.smoke import smoke

pytestmark = pytest.mark.usefixtures("redis_password")


@pytest.mark.parametrize(("args", "message"), [
    (("--port", "0"), "error: --port: expected a TCP port from 1 to 65535, got 0"),
    (("--port", "70000"), "error: --port: expected a TCP port from 1 to 65535, got 70000"),
    (("--timeout", "0"), "error: --timeout: expected seconds greater than 0"),
    (("--timeout", "-3"), "error: --timeout: expected seconds greater than 0"),
    (("--host", "a b"), "error: --host: expected a host name or IP address, got 'a b'"),
])
def test_smoke_bad_arguments(bare_project: Path, cli, args: tuple[str, ...], message: str) -> None:
    ran = cli(bare_project, "smoke", "dev", *args)
    assert ran.code == 2
    assert ran.err.startswith(message), ran.err
    assert "Traceback" not in ran.err


def test_smoke_of_a_disabled_environment(bare_project: Path, cli) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("enable_redis: false\n")
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1")
    assert ran.code == 2
    assert ran.err == "error: dev: enable_redis is false: nothing to test\n"


def test_password_from_secret_needs_kubectl(bare_project: Path, cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no kubectl there
    ran = cli(bare_project, "smoke", "dev", "--password-from-secret")
    assert ran.code == 2
    assert "error: kubectl not found on PATH" in ran.err


def test_password_from_secret_reads_the_secret_through_kubectl(bare_project: Path, cli, dev_redis, monkeypatch,
                                                               tmp_path: Path) -> None:
    # A stand-in for kubectl that answers only the exact query smoke must make.
    import base64

    encoded = base64.b64encode(redisproc.PASSWORD.encode()).decode()
    fake = tmp_path / "bin" / "kubectl"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n"
                    '[ "$*" = "get secret redis-secret --namespace redis --output jsonpath={.data.redis-password} '
                    '--request-timeout=20s" ] || { echo "unexpected: $*" >&2; exit 3; }\n'
                    f"printf %s {encoded}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.delenv("REDIS_PASSWORD")
    ran = smoke(cli, bare_project, dev_redis, "--password-from-secret")
    assert ran.code == 0, ran.out + ran.err
