"""The guard's Secret stability check (two helm renders with a probe, no password) is cached
only when it passed, under every file it renders from: a template broken after a cached pass is
still found, with the message a first run gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.check import guard, helm
from generator.core import cache


def _entries() -> int:
    folder = cache.directory() / "guard"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def test_a_pass_is_cached_and_a_hit_runs_no_helm(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert guard.secret_stable(bare_project) == []
    assert _entries() == 1

    def no_helm(*_: object, **__: object) -> str:
        raise AssertionError("helm ran on a hit")

    monkeypatch.setattr(helm, "run", no_helm)
    assert guard.secret_stable(bare_project) == []


@pytest.mark.parametrize("rel, change", [
    ("templates/_helpers.tpl", lambda t: t + "\n{{/* edited */}}\n"),
    ("templates/secret.yaml", lambda t: t + "\n{{/* edited */}}\n"),
    ("values.yaml", lambda t: t + "\n# edited\n"),
    ("Chart.yaml", lambda t: t.replace("version: 1.0.0", "version: 1.0.1")),
])
def test_every_file_it_renders_from_is_in_its_key(bare_project: Path, rel: str, change: object) -> None:
    assert guard.secret_stable(bare_project) == []
    path = bare_project / "chart" / rel
    path.write_text(change(path.read_text()))  # type: ignore[operator]
    assert guard.secret_stable(bare_project) == []
    assert _entries() == 2  # a second key: the first did not answer for the edited chart


def test_a_secret_broken_after_a_cached_pass_is_found(bare_project: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert guard.secret_stable(bare_project) == []
    secret = bare_project / "chart" / "templates" / "secret.yaml"
    secret.write_text(secret.read_text().replace(
        "| b64enc | quote }}", "| b64enc | quote }}\n  copy: {{ .Values.secret.password | b64enc | quote }}"))
    found = guard.secret_stable(bare_project)
    assert found and "does not hold exactly the password" in found[0]
    assert _entries() == 1  # a finding is never cached
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    assert guard.secret_stable(bare_project) == found  # word for word what a first run says
