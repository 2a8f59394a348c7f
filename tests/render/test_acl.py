"""The backend's ACL user: rendered without any password or `nopass`, and the ACL file the start
script writes, loaded by a real redis-server."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.render import acl
from tests.support import acl as acl_support
from tests.support import ha
from tests.support.acl import BACKEND_PASSWORD, USER, run_start_script


@pytest.mark.parametrize("content", [None, ""])
def test_start_script_refuses_to_start_without_the_backend_password(tmp_path: Path, content: str | None) -> None:
    secret = tmp_path / acl.PASSWORD_KEY
    if content is not None:
        secret.write_text(content)
    done = run_start_script(tmp_path, secret)
    assert done.returncode == 1
    assert "missing or empty: not starting without the backend user's password" in done.stderr
    assert not (tmp_path / "users.acl").exists()


def test_start_script_refuses_an_empty_main_password(tmp_path: Path) -> None:
    secret = tmp_path / acl.PASSWORD_KEY
    secret.write_text(BACKEND_PASSWORD)
    done = run_start_script(tmp_path, secret, redis_password="")
    assert done.returncode == 1
    assert "REDIS_PASSWORD is empty" in done.stderr


def _rendered(cli, root: Path, env: str = "dev") -> str:
    ran = cli(root, "build", env)
    assert ran.code == 0, ran.err
    return (root / "build" / env / "manifests.yaml").read_text()


def test_acl_values_mount_the_secret_and_never_say_nopass(bare_project: Path, cli) -> None:
    acl_support.enable(bare_project)
    rendered = _rendered(cli, bare_project)
    values = yaml.safe_load((bare_project / "chart" / "values-dev.yaml").read_text())["redis"]
    assert values["master"]["preExecCmds"] == [acl.start_script(USER)]
    assert values["master"]["extraVolumes"] == [acl.volume("redis-backend-acl")]
    assert values["master"]["extraVolumeMounts"] == [acl.volume_mount()]
    assert "acl" not in values.get("auth", {})  # Bitnami's lookup-based ACL stays off
    assert "nopass" not in rendered and "nopass" not in yaml.safe_dump(values)


@pytest.mark.parametrize(("env", "sentinel", "script"), [
    ("dev", False, "start-master.sh"),
    ("prod", False, "start-master.sh"),
    (ha.ENV, True, "start-node.sh"),  # tests/support/ha.py's variant: Sentinel mode
])
def test_acl_with_the_subchart(with_subchart: Path, cli, env: str, sentinel: bool, script: str) -> None:
    if sentinel:
        ha.enable(with_subchart, env)
    acl_support.enable(with_subchart, env)
    rendered = _rendered(cli, with_subchart, env)
    assert "nopass" not in rendered
    objects = [d for d in yaml.safe_load_all(rendered) if d]
    scripts = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "redis-scripts")
    # Standalone: start-master.sh with master.preExecCmds; Sentinel mode: every node runs
    # start-node.sh with replica.preExecCmds; either way just before its exec.
    start = scripts["data"][script]
    assert acl.start_script(USER) in start
    assert start.index(acl.start_script(USER)) < start.index('exec redis-server "${ARGS[@]}"')
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "redis-configuration")
    assert config["data"]["users.acl"] == "" and "aclfile" not in config["data"]["redis.conf"]
    (node,) = [o for o in objects if o["kind"] == "StatefulSet"]
    assert node["metadata"]["name"] == ("redis-node" if sentinel else "redis-master")
    pod = node["spec"]["template"]["spec"]
    assert acl.volume("redis-backend-acl") in pod["volumes"]
    redis_container = next(c for c in pod["containers"] if c["name"] == "redis")
    assert acl.volume_mount() in redis_container["volumeMounts"]


@pytest.mark.parametrize("name", ["default", "Backend", "a b", "x" * 33, "1abc"])
def test_acl_username_is_checked(bare_project: Path, cli, name: str) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write(f"acl_enabled: true\nacl_username: {name!r}\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert f"acl_username: {name!r} is not a user name other than 'default'" in ran.err
