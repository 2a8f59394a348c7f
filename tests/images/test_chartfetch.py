"""images/chartfetch.py: what `build` does when chart/charts/ lacks the archive of chart_version:
nothing when fetching is off or the archive is there, one line and a build without the subchart
when the registry cannot be reached, said without connecting when its name has no address, within
the limit however slow the resolver (the fetch itself: tests/e2e/test_chart_supply.py)."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from pathlib import Path

import pytest

from generator import pipeline
from generator.core.errors import RegistryError, UsageError
from generator.core.settings import Settings
from generator.images import chartfetch, refs


@pytest.mark.parametrize(("text", "seconds"), [(None, chartfetch.DEFAULT_TIMEOUT_S), ("", chartfetch.DEFAULT_TIMEOUT_S),
                                               (" 2.5 ", 2.5), ("0", 0.0)])
def test_the_timeout_from_the_environment(text: str | None, seconds: float) -> None:
    environ = {} if text is None else {chartfetch.TIMEOUT_VARIABLE: text}
    assert chartfetch.default_timeout(environ) == seconds


@pytest.mark.parametrize("text", ["soon", "-1", "3600", "nan"])
def test_a_timeout_that_is_not_seconds(text: str) -> None:
    with pytest.raises(UsageError, match=rf"^{chartfetch.TIMEOUT_VARIABLE}: expected seconds .* got '{text}'$"):
        chartfetch.default_timeout({chartfetch.TIMEOUT_VARIABLE: text})


def test_nothing_to_fetch_when_the_archive_is_there_or_fetching_is_off(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    dest = chartfetch.archive_path(bare_project, settings.chart_version)
    assert dest == bare_project / "chart" / "charts" / f"redis-{settings.chart_version}.tgz"
    assert chartfetch.ensure(bare_project, settings, 0, require_subchart=True) == ("", False)  # off
    dest.parent.mkdir()
    dest.write_bytes(b"already here")
    assert chartfetch.ensure(bare_project, settings, 5, require_subchart=True) == ("", False)
    assert dest.read_bytes() == b"already here"


def test_an_unreachable_registry_is_one_line_and_the_build_goes_on(bare_project: Path, closed_port: int) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "dev").settings,
                                   chart_repository=f"oci://127.0.0.1:{closed_port}/charts")
    line, said = chartfetch.ensure(bare_project, settings, 5, require_subchart=False)
    assert said and line.startswith("dev: subchart not fetched: ")
    assert "not reachable (connection refused; limit 5 s)" in line, line
    assert line.endswith("rendered and validated our own templates only (--require-subchart fails instead)")
    assert not (bare_project / "chart" / "charts").exists()
    with pytest.raises(RegistryError, match=r"--require-subchart was given$"):
        chartfetch.ensure(bare_project, settings, 5, require_subchart=True)


def _offline(bare_project: Path, host: str) -> Settings:
    return dataclasses.replace(pipeline.prepare(bare_project, "dev").settings, chart_repository=f"oci://{host}/charts")


def test_a_registry_name_without_an_address_is_said_before_any_connection(
        bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[object, ...]] = []

    def no_such_host(*args: object, **kwargs: object) -> list[object]:
        asked.append(args)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    monkeypatch.setattr(chartfetch, "fetch", lambda *a: pytest.fail("no connection may be tried"))
    settings = _offline(bare_project, "charts.example.test:5000")
    line, said = chartfetch.ensure(bare_project, settings, 5, require_subchart=False)
    assert said and asked == [("charts.example.test", 5000)]
    assert line == (f"dev: subchart not fetched: oci://charts.example.test:5000/charts/redis:{settings.chart_version}: "
                    "not reachable (no such host; limit 5 s): rendered and validated our own templates only "
                    "(--require-subchart fails instead)")
    with pytest.raises(RegistryError, match=r"\(no such host; limit 5 s\); --require-subchart was given$"):
        chartfetch.ensure(bare_project, settings, 5, require_subchart=True)
    assert not (bare_project / "chart" / "charts").exists()


def test_a_resolver_that_never_answers_is_left_behind_at_the_limit(
        bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answered = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answered.wait(30))
    started = time.monotonic()
    line, _ = chartfetch.ensure(bare_project, _offline(bare_project, "charts.example.test"), 0.3,
                                require_subchart=False)
    took = time.monotonic() - started
    answered.set()
    assert "not reachable (timed out; limit 0.3 s)" in line and took < 5, (line, took)


def test_docker_hub_is_looked_up_where_the_client_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []

    def resolves(name: str, port: int, **kwargs: object) -> list[object]:
        asked.append((name, port))
        return []

    monkeypatch.setattr(socket, "getaddrinfo", resolves)
    assert chartfetch._unresolved(refs.DOCKER_HUB, 5) == ""
    assert chartfetch._unresolved("127.0.0.1:5000", 5) == ""
    assert asked == [(refs.DOCKER_HUB_API, 443), ("127.0.0.1", 5000)]


@pytest.mark.parametrize("host", ["bad\0host", "xn--a-" + "a" * 70, "a" * 300 + ".example"])
def test_a_name_the_resolver_cannot_take_is_left_to_the_client(host: str) -> None:
    """Not a finding of its own: the client's attempt says what is wrong, as before."""
    assert chartfetch._unresolved(host, 2) in ("", "no such host")
