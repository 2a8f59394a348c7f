"""commands/mirror.py: `mirror <env>`, what it prints and its exit status."""

from __future__ import annotations

from pathlib import Path


def test_nothing_to_mirror_when_redis_is_off(bare_project: Path, cli) -> None:
    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text() + "enable_redis: false\n")
    ran = cli(bare_project, "mirror", "dev")
    assert (ran.code, ran.out.splitlines()[0]) == (0, "dev: enable_redis is false: no images to mirror")
    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 0 and [line.split("\t")[0].startswith("oci://") for line in ran.out.splitlines()] == [True]


def test_progress_shows_bytes_per_blob(capsys) -> None:
    from generator.commands.mirror import terminal_progress

    show = terminal_progress()
    show("sha256:" + "ab" * 32, 3_000_000, 10_000_000)
    show("sha256:" + "ab" * 32, 10_000_000, 10_000_000)
    err = capsys.readouterr().err
    assert "ababababab" in err and "3.0 / 10.0 MB" in err and "10.0 / 10.0 MB" in err
