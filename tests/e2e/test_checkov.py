"""Optional: checkov (PyPI) over the real renders agrees with what the note says.

Slow (about 10 s per environment) and heavy (its own .venv-checkov, see scripts/checkov-compare),
so it runs only with TWOFA_CHECKOV=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import pipeline
from generator.check import renders
from tests.support.paths import CHECKOUT

CHECKOV = CHECKOUT / ".venv-checkov" / "bin" / "checkov"
pytestmark = pytest.mark.skipif(
    os.environ.get("TWOFA_CHECKOV") != "1" or not CHECKOV.exists(),
    reason="optional checkov comparison: run scripts/checkov-compare once, then TWOFA_CHECKOV=1 pytest "
           "tests/e2e/test_checkov.py",
)
DIGEST = "sha256:" + "ab" * 32


def _failed(root: Path, tmp: Path) -> dict[str, set[str]]:
    from scripts.checkov_compare import checkov

    prepared = pipeline.prepare_all(root)
    results = renders.render_checked(root, [p.settings for p in prepared], [p.env.file for p in prepared])
    out = {}
    for result in results:
        d = tmp / result.settings.env
        d.mkdir()
        (d / "manifests.yaml").write_text(result.rendered)
        out[result.settings.env] = {c["check_id"] for c in checkov(str(CHECKOV), d, CHECKOUT / ".checkov.yaml")}
    return out


def test_checkov_fails_only_digest_pinning_on_real_renders(with_subchart: Path, tmp_path: Path) -> None:
    digest = {"CKV_K8S_43"}
    assert _failed(with_subchart, tmp_path) == {"dev": digest, "prod": digest, "staging": digest}


def test_digests_in_values_clear_checkov(with_subchart: Path, tmp_path: Path) -> None:
    common = with_subchart / "environments" / "_common.yaml"
    common.write_text(common.read_text() + "images:\n" + "".join(
        f"  {name}:\n    digest: {DIGEST}\n" for name in ("redis", "redis-exporter", "redis-sentinel")))
    assert _failed(with_subchart, tmp_path) == {"dev": set(), "prod": set(), "staging": set()}
