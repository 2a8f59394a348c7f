"""`smoke <env>`: prove a live Redis keeps the environment's promises, one line per step."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core import names, passwords
from generator.core.errors import SecretError, SmokeError
from generator.core.settings import Settings
from generator.core.wording import plural
from generator.runtime.smoke import runner, target


def _backend_password(settings: Settings, from_secret: bool) -> str | None:
    """With acl_enabled, the backend user's password: the smoke logs in as that user too."""
    if not settings.acl_enabled:
        return None
    if from_secret:
        return target.password_from_secret(settings, secret=settings.acl_secret_name, key=names.ACL_PASSWORD_KEY)
    found = passwords.read_backend_password()
    if found is None:
        raise SecretError(f"acl_enabled: set {passwords.BACKEND_PASSWORD_VARIABLE} to the backend user's password "
                          f"(Secret {settings.acl_secret_name}, key {names.ACL_PASSWORD_KEY}), or pass "
                          "--password-from-secret")
    return found


def run(args: argparse.Namespace) -> int:
    settings = pipeline.prepare(root_of(args), args.env).settings
    backend = _backend_password(settings, args.password_from_secret)
    where = target.from_options(settings, args.host, args.port, args.timeout, args.direct, args.password_from_secret,
                                backend)
    say = (lambda step: None) if args.json else (lambda step: print(step.line(), flush=True))
    report = runner.probe(settings, where, say)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0 if report.ok else 1
    print(f"{settings.env}: {plural(len(report.steps), 'step')} against {report.target} in {report.seconds:.2f} s: "
          + ("ok" if report.ok else "FAILED"))
    if not report.ok:
        bad = report.steps[-1]
        raise SmokeError(f"smoke {settings.env}: {bad.name}: expected {bad.expected}; got {bad.got}")
    return 0
