"""validate/schema.py: settings the schema accepted are accepted again without jsonschema, keyed
on the settings, the schema's bytes and the code (each changed in turn misses); findings always
come from a fresh validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.core import cache
from generator.core.errors import ValidationError
from generator.load import environment
from generator.validate import schema
from tests.support.project import set_settings


def _entries() -> int:
    folder = cache.directory() / "settings"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def _key(env: environment.Environment) -> str:
    """The key validate() looks up, observed through the entry it writes."""
    before = set((cache.directory() / "settings").glob("*")) if (cache.directory() / "settings").is_dir() else set()
    schema._schema_problems(env)
    after = set((cache.directory() / "settings").glob("*"))
    new = after - before
    assert len(new) == 1, "expected a miss that writes one entry"
    return new.pop().name


def test_every_input_of_the_settings_check_is_in_its_key(bare_project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = environment.load(bare_project, "dev")
    seen = {_key(env)}
    dev = bare_project / "environments" / "dev.yaml"
    dev.write_text(dev.read_text().replace("storage_size: 1Gi", "storage_size: 2Gi"))
    seen.add(_key(environment.load(bare_project, "dev")))
    common = bare_project / "environments" / "_common.yaml"
    common.write_text(common.read_text().replace("namespace: redis", "namespace: redis-two"))
    seen.add(_key(environment.load(bare_project, "dev")))
    # The memory settings (issue 12): an override, then its policy, each a new key.
    dev.write_text(dev.read_text() + "maxmemory: 32Mi\n")
    seen.add(_key(environment.load(bare_project, "dev")))
    dev.write_text(dev.read_text() + "maxmemory_policy: noeviction\n")
    seen.add(_key(environment.load(bare_project, "dev")))
    env = environment.load(bare_project, "dev")

    copied = tmp_path / "values.schema.json"
    shutil.copy(schema.SCHEMA_PATH, copied)
    copied.write_text(copied.read_text().replace('"additionalProperties": false', '"additionalProperties":false', 1))
    monkeypatch.setattr(schema, "SCHEMA_PATH", copied)
    seen.add(_key(env))

    code = tmp_path / "package"
    (code / "validate").mkdir(parents=True)
    (code / "validate" / "schema.py").write_text((cache.PACKAGE / "validate" / "schema.py").read_text() + "\n#\n")
    monkeypatch.setattr(cache, "PACKAGE", code)
    seen.add(_key(env))
    assert len(seen) == 7


def test_accepted_settings_are_accepted_again_without_jsonschema(bare_project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = environment.load(bare_project, "dev")
    fresh = schema.validate(env)
    assert _entries() == 1

    def no_jsonschema() -> object:
        raise AssertionError("jsonschema used on a hit")

    monkeypatch.setattr(schema, "_validator", no_jsonschema)
    assert schema.validate(environment.load(bare_project, "dev")) == fresh


def test_findings_are_never_cached(bare_project: Path) -> None:
    dev = bare_project / "environments" / "dev.yaml"
    dev.write_text(dev.read_text().replace("storage_size: 1Gi", "storage_size: lots"))
    messages = []
    for _ in range(2):
        with pytest.raises(ValidationError) as raised:
            schema.validate(environment.load(bare_project, "dev"))
        messages.append(raised.value.lines())
    assert messages[0] == messages[1] and "storage_size" in "\n".join(messages[0])
    assert _entries() == 0


@pytest.mark.parametrize("variable", ["REDIS_PASSWORD", "TF_VAR_redis_password", "REDIS_BACKEND_PASSWORD"])
def test_settings_holding_a_supplied_password_are_never_cached(bare_project: Path, monkeypatch: pytest.MonkeyPatch,
                                                               variable: str) -> None:
    """A password pasted into a valid setting is not kept in the cache, not even as a hash."""
    set_settings(bare_project, "dev", prefix="tw0fa-hunter2")
    monkeypatch.setenv(variable, "tw0fa-hunter2")
    for _ in range(2):
        schema.validate(environment.load(bare_project, "dev"))
    assert _entries() == 0
    monkeypatch.delenv(variable)
    schema.validate(environment.load(bare_project, "dev"))
    assert _entries() == 1
