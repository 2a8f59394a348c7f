"""`images --verify`, `mirror` and `mirror --pin` against hostile registries (tests/support/
hostile_registry.py, real HTTP on 127.0.0.1; the ECR login from moto): each ends within
--timeout (+ start-up) in exit 1, naming the registry; nothing is pushed or pinned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.support.hostile_cli import assert_refused, env, run, snapshot
from tests.support.hostile_registry import SampleImage, hostile_registry_server

TIMEOUT = 3.0
MIRROR_LINES = r"^[a-z-]+: \S+: failed: "


def _point_at(project: Path, target: str, source: str) -> None:
    path = project / "environments" / "dev.yaml"
    text = re.sub(r"(?ms)^(ecr_registry|ecr_repository|image_tag|metrics_enabled|images):.*?(?=^[^\s#]|\Z)", "",
                  path.read_text())
    path.write_text(text + f"ecr_registry: {target}\necr_repository: twofa/dev\nimage_tag: redis-8.2.1\n"
                    f"metrics_enabled: false\nimages:\n  redis:\n    source: {source}/src/redis:8.2.1\n")


def _aws(tmp_path: Path, moto: str) -> dict[str, str]:
    return env(tmp_path, AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="AKIATESTTESTTESTTEST",
               AWS_SECRET_ACCESS_KEY="test-secret-key-not-real", AWS_DEFAULT_REGION="us-east-1")


CASES = [("images", "drip"), ("images", "digest_not_a_digest"), ("images", "digest_mismatch"),
         ("images", "huge_content_length"), ("mirror", "layer_no_size"), ("mirror", "layers_not_list"),
         ("mirror", "index_entry_not_mapping"), ("mirror", "token_drip"), ("mirror", "digest_mismatch"),
         ("pin", "digest_not_a_digest"), ("pin", "silent")]


@pytest.mark.parametrize(("command", "mode"), CASES, ids=[f"{c}-{m}" for c, m in CASES])
def test_against_a_hostile_registry(bare_project: Path, tmp_path: Path, moto_url: str, command: str,
                                    mode: str) -> None:
    ecr_has_it = command != "mirror"  # images and pin ask ECR (hostile); mirror copies from a hostile source
    with hostile_registry_server(mode if ecr_has_it else "healthy",
                                 prepopulate=("twofa/dev:redis-8.2.1",) if ecr_has_it else ()) as target, \
            hostile_registry_server("healthy" if ecr_has_it else mode) as source:
        peer = target.host if ecr_has_it else source.host
        _point_at(bare_project, target.host, source.host)
        before = snapshot(bare_project)
        args = {"images": ["images", "dev", "--verify"], "mirror": ["mirror", "dev"],
                "pin": ["mirror", "dev", "--pin"]}[command]
        ran = run(bare_project, *args, "--timeout", f"{TIMEOUT:g}", environ=_aws(tmp_path, moto_url),
                  deadline=TIMEOUT + 2)
        pushed = target.manifest("twofa/dev", "redis-8.2.1") if command == "mirror" else None
    assert_refused(ran, 1, peer, lines=2, allow=MIRROR_LINES)
    assert ran.seconds < TIMEOUT + 2, ran.seconds
    assert pushed is None, "a tag was pushed from a hostile source"
    assert snapshot(bare_project) == before  # --pin wrote nothing


def test_a_healthy_registry_is_mirrored_verified_and_pinned(bare_project: Path, tmp_path: Path,
                                                            moto_url: str) -> None:
    with hostile_registry_server("healthy", prepopulate=()) as target, hostile_registry_server("healthy") as source:
        _point_at(bare_project, target.host, source.host)
        environ = _aws(tmp_path, moto_url)
        runs = [run(bare_project, *args, environ=environ, deadline=30) for args in
                (["mirror", "dev"], ["images", "dev", "--verify"], ["mirror", "dev", "--pin"])]
    assert [r.code for r in runs] == [0, 0, 0], [r.err for r in runs]
    pinned = yaml.safe_load((bare_project / "environments" / "dev.yaml").read_text())["images"]["redis"]["digest"]
    assert pinned == SampleImage().digest  # the digest of the bytes, computed here
