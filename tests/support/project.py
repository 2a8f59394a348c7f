"""Working on a copy of the tests' project: change an environment, build it, read what it wrote."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.support.cli import Ran

Objects = list[dict[str, Any]]
Cli = Callable[..., Ran]


def env_file(root: Path, env: str) -> Path:
    return root / "environments" / f"{env}.yaml"


def append(root: Path, env: str, text: str) -> int:
    """Append lines to environments/<env>.yaml; returns the line number of the first one."""
    path = env_file(root, env)
    line = len(path.read_text().splitlines()) + 1
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
    return line


def set_settings(root: Path, env: str, **settings: Any) -> None:
    """Set settings in environments/<env>.yaml, replacing a top-level key it already sets."""
    path = env_file(root, env)
    text = path.read_text()
    for key in settings:
        text = re.sub(rf"(?ms)^{key}:.*?(?=^\S|\Z)", "", text)
    path.write_text(text + yaml.safe_dump(settings, sort_keys=False))


def bundle(root: Path, env: str = "dev") -> Objects:
    """The objects of build/<env>/manifests.yaml."""
    return [d for d in yaml.safe_load_all(bundle_text(root, env)) if d]


def bundle_text(root: Path, env: str = "dev") -> str:
    return (root / "build" / env / "manifests.yaml").read_text()


def built(root: Path, cli: Cli, env: str = "dev") -> Objects:
    """`build <env>`, which must succeed, and the objects it rendered."""
    ran = cli(root, "build", env)
    assert ran.code == 0, ran.err
    return bundle(root, env)


def application(root: Path, env: str) -> dict[str, Any]:
    """argocd/<env>.yaml of a project."""
    loaded: dict[str, Any] = yaml.safe_load((root / "argocd" / f"{env}.yaml").read_text())
    return loaded


def of_kind(objects: Objects, kind: str) -> Objects:
    return [o for o in objects if o["kind"] == kind]


def one(objects: Objects, kind: str) -> dict[str, Any]:
    found = of_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, got {[o['metadata']['name'] for o in found]}"
    return found[0]


def containers(objects: Objects) -> list[dict[str, Any]]:
    """Every init and app container of every pod template, in order."""
    out = []
    for o in objects:
        pod = o.get("spec", {}).get("template", {}).get("spec")
        if pod:
            out += pod.get("initContainers", []) + pod.get("containers", [])
    return out


def check_verdict(out: str, envs: tuple[str, ...] = ("dev", "prod", "staging")) -> str:
    """The chart/ verdict of `check`'s output: the line before the policy report, which has one
    line per environment."""
    lines = out.splitlines()
    verdicts = [i for i, line in enumerate(lines) if line.startswith("chart/: ")]
    assert len(verdicts) == 1, out
    rest = lines[verdicts[0] + 1:]
    assert sorted(line.split(": ")[0] for line in rest) == sorted(envs), out
    assert all(": policy: " in line for line in rest), out
    return lines[verdicts[0]]


def open_network_policy(root: Path) -> None:
    """Break our NetworkPolicy template the worst way: an extra ingress rule, every source, every port."""
    template = root / "chart" / "templates" / "networkpolicy.yaml"
    text = template.read_text()
    anchor = "  ingress:\n"
    template.write_text(text.replace(anchor, anchor + "    - {}\n", 1))


def git(root: Path, *args: str) -> str:
    """git in the project, with no user or system configuration."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    done = subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                           *args], capture_output=True, text=True, env=env, check=True, timeout=60)
    return done.stdout


def commit_all(root: Path) -> None:
    """Commit the project as it is (a repository is made on first use)."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "state")


def fake_tool(path: Path, script: str) -> Path:
    """An executable shell script standing in for a tool (helm, kubectl)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path
