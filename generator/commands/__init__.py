"""One module per verb of `twofa-redis` (`python -m generator`), each exporting run(args) -> int.

cli.py imports only the module of the command given, so a command pays for the imports it
needs and no more.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# Each command's exit codes, the end of its --help (cli.py); 2 is bad input and 130 an interrupt
# for all of them.
EXIT = {
    "build": "0 written; 1 a check failed (helm, the Kubernetes schemas, an image missing from ECR with "
             "--verify-images): nothing written; 2 bad input: nothing written",
    "check": "0 every environment valid, chart/ and argocd/ up to date, no error-level policy finding; 1 a file "
             "stale or invalid, a check failed, two environments in one place, a policy rule broken (or, with "
             "--base, an unacknowledged forbidden or data-at-risk plan finding); 2 bad input",
    "outputs": "0 printed; 2 bad input (an unknown environment, an invalid setting)",
    "deps": "0 the archive is in chart/charts/; 1 helm failed (the chart registry unreachable)",
    "plan": "0 planned; 1 a forbidden or data-at-risk change not acknowledged in the environment file "
            "(plan_acknowledgements); 2 bad input (an unknown REF or environment, a REF without this project)",
    "secret": "0 stored (put) or present and usable (check); 1 AWS Secrets Manager refused, or the secret is missing "
              "or unusable; 2 bad input (a password too short, prompts that differ)",
    "smoke": "0 every step kept its promise; 1 a step failed (unreachable, wrong answer, a command not refused); "
             "2 bad input (no password, a bad --port)",
    "inspect": "0 inspected (the report may note broken promises: keys without TTL, no maxmemory); 1 Redis "
               "unreachable or a call refused; 2 bad input (no password, a bad --port or --deadline)",
    "images": "0 listed (with --verify: every image in ECR, every pin matching); 1 with --verify: an image "
              "missing or a pinned digest changed; 2 bad input",
    "mirror": "0 every image in ECR (with --pin: digests written); 1 an image failed to copy (re-run to finish); "
              "2 bad input; 130 interrupted (re-run to finish)",
    "docs": "0 printed, or README.md updated or already up to date (--readme); 2 markers missing, a bad environment",
    "local": "0 stopped with Ctrl-C (or SIGTERM), its data removed; 1 redis-server failed to start or stopped on "
             "its own; 2 bad input (a setting, a bad --port, a short REDIS_PASSWORD)",
}


def root_of(args: argparse.Namespace) -> Path:
    """The project directory (--root); one with a control character in its name is refused (it
    could not be named in a message, nor in the Argo CD Application, without being altered)."""
    from generator.core.errors import UsageError
    from generator.core.text import control_character, shown

    bad = control_character(str(args.root))
    if bad is not None:
        raise UsageError(f"--root: {shown(args.root)} contains a control character {bad}; rename the directory")
    return Path(args.root).resolve()
