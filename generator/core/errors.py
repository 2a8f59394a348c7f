"""Typed errors, one per stage. The CLI turns them into one-line messages.

Every error carries what a person needs to act: the file, the field (a JSON path),
and what was expected. Messages never include secret values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    file: str
    path: str  # dotted field path, "" for the file as a whole
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


MAX_PROBLEMS = 20


def capped(problems: Sequence[Problem], most: int = MAX_PROBLEMS) -> list[Problem]:
    """At most `most` problems per file, then one line saying how many more: a file with
    thousands of mistakes is read in a second and reported in a screenful."""
    out: list[Problem] = []
    extra: dict[str, int] = {}
    for p in problems:
        if sum(q.file == p.file for q in out) < most:
            out.append(p)
        else:
            extra[p.file] = extra.get(p.file, 0) + 1
    out += [Problem(file, "", f"... and {n} more problem{'s' * (n > 1)} in this file") for file, n in extra.items()]
    return out


class GeneratorError(Exception):
    """Base of every error a user can cause. Exit code 2 unless a subclass says otherwise."""

    exit_code = 2

    def __init__(self, message: str = "", problems: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message or "; ".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """The message as `error: ...` lines, one per problem."""
        if self.problems:
            return [f"error: {p}" for p in self.problems]
        return [f"error: {self}"]


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: raised in the main thread like Ctrl-C, so that every `with` and
    `finally` on the way out removes what it staged (generator/cli.py installs the handlers)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class UsageError(GeneratorError):
    """Bad command-line arguments, such as an unknown environment name."""


class LoadError(GeneratorError):
    """An environment file cannot be read or parsed."""


class ValidationError(GeneratorError):
    """An environment file is well-formed YAML but its settings are wrong."""


class ResolveError(GeneratorError):
    """The ECR registry or repository cannot be determined."""


class SecretError(GeneratorError):
    """The password supplied at render time is unusable."""


class RenderError(GeneratorError):
    """A template failed to render or the output could not be written."""


class ToolError(GeneratorError):
    """An external tool (helm, kubeconform) is missing or failed."""

    exit_code = 1


class CheckError(GeneratorError):
    """The rendered result broke a check: schema validation, drift, policy."""

    exit_code = 1


class SmokeError(GeneratorError):
    """A live deployment broke a promise during `smoke`."""

    exit_code = 1


class InspectError(GeneratorError):
    """A live Redis failed a call of `inspect` (unreachable, refused, timed out)."""

    exit_code = 1


class SecretStoreError(GeneratorError):
    """AWS Secrets Manager refused, or the secret is missing or unusable (`secret put/check`)."""

    exit_code = 1


class RegistryError(GeneratorError):
    """A container registry refused or failed a request (login, lookup, copy)."""

    exit_code = 1
