"""The backend's ACL user for the tests: switch it on in a project, and run the start-script lines
the chart adds (render/acl.py) the way the Bitnami start script runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.render import acl
from tests.support import redisproc

BACKEND_PASSWORD = "backend-pass-4567"
USER = "twofa-backend"  # acl_username's default


def enable(root: Path, env: str = "dev") -> None:
    with open(root / "environments" / f"{env}.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")


def run_start_script(tmp_path: Path, password_file: Path, redis_password: str = redisproc.PASSWORD
                     ) -> subprocess.CompletedProcess[str]:
    """The preExecCmds lines as the Bitnami start script runs them (bash -e, ARGS already set),
    printing the ARGS they leave for `exec redis-server`."""
    script = "\n".join(["set -e", 'ARGS=("--port" "6379")', acl.start_script(USER), 'printf "%s\\n" "${ARGS[@]}"'])
    env = {"PATH": "/usr/bin:/bin", "REDIS_PASSWORD": redis_password, "TWOFA_ACL_DIR": str(tmp_path),
           "TWOFA_ACL_PASSWORD_FILE": str(password_file)}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=10, check=False)
