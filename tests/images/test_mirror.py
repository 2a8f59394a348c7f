"""images/mirror.py: an environment's images present in ECR (`mirror`, `images --verify`, `--pin`)."""

from __future__ import annotations


def test_progress_shows_bytes_per_blob(capsys) -> None:
    from generator.images.mirror import terminal_progress

    show = terminal_progress()
    show("sha256:" + "ab" * 32, 3_000_000, 10_000_000)
    show("sha256:" + "ab" * 32, 10_000_000, 10_000_000)
    err = capsys.readouterr().err
    assert "ababababab" in err and "3.0 / 10.0 MB" in err and "10.0 / 10.0 MB" in err
