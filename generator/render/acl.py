"""Least privilege: the backend's own Redis ACL user, its password never in the chart.

Bitnami's `auth.acl` reads user passwords with `lookup`, which returns nothing under
`helm template` (so under Argo CD): the rendered ACL says `nopass`. We leave it off. Instead the
backend user's Secret is mounted into the Redis container, and a few lines added to the start
script (`master/replica.preExecCmds`, run just before `exec redis-server "${ARGS[@]}"`) write
the ACL file into the container's emptyDir from the mounted password and the main password,
then add `--aclfile`. Without a password the container refuses to start: never `nopass`.
"""

from __future__ import annotations

from typing import Any

from generator.core.names import ACL_PASSWORD_KEY as PASSWORD_KEY  # key of the password in acl_secret_name

MOUNT = "/opt/bitnami/redis/secrets-acl"
VOLUME = "backend-acl"
ACL_DIR = "/opt/bitnami/redis/etc"  # the start scripts' emptyDir, writable under a read-only root

# Exactly what the key schema's clients send (generator/runtime/keyschema.py; the seed's backend
# writes with SETEX, keyschema.store with SET ... EX), TTL and PING for `smoke` and health checks,
# and redis-py's handshake (5.x to 8.x): AUTH (RESP2) or HELLO 3 AUTH (RESP3), then CLIENT SETINFO
# LIB-NAME / LIB-VER. Redis lets AUTH and HELLO through whatever the rules say; they are written
# out so that the file states the whole list. An ACL allows or refuses a command, never its
# options: `SET key value` without EX cannot be refused here (keyschema.store always passes
# EX, and `smoke` fails on a record without a TTL).
BACKEND_COMMANDS = ("setex", "set", "get", "del", "ttl", "ping", "auth", "hello")
# CLIENT SETINFO exists from Redis 7.2; an older server refuses an ACL naming it and would not
# start, so the start script adds it when `redis-server --version` is 7.2 or newer. redis-py
# ignores an error on SETINFO either way.
SETINFO = "client|setinfo"
SETINFO_SINCE = (7, 2)
BACKEND_KEYS = "~sms_otp:*"
# The default user keeps the main password: probes, the exporter, replication and Sentinel
# log in with it. MONITOR is taken away: it would stream every OTP code to whoever runs it.
DEFAULT_RULES = "~* &* +@all -monitor"


def backend_rules() -> str:
    """The backend user's rules, without the version-dependent CLIENT SETINFO."""
    return f"resetchannels {BACKEND_KEYS} -@all " + " ".join(f"+{c}" for c in BACKEND_COMMANDS)


def start_script(username: str) -> str:
    """Bash for preExecCmds. TWOFA_ACL_DIR / TWOFA_ACL_PASSWORD_FILE exist for the tests that
    run this very script on a real redis-server; in a pod they are unset."""
    return "\n".join([
        "# twofa-redis: write the ACL file from the mounted passwords (generator/acl.py)",
        f'twofa_acl_dir="${{TWOFA_ACL_DIR:-{ACL_DIR}}}"',
        f'twofa_acl_password_file="${{TWOFA_ACL_PASSWORD_FILE:-{MOUNT}/{PASSWORD_KEY}}}"',
        'if [[ ! -s "$twofa_acl_password_file" ]]; then',
        '  echo "twofa-redis: $twofa_acl_password_file is missing or empty: not starting without the backend'
        ' user\'s password" >&2',
        "  exit 1",
        "fi",
        'if [[ -z "${REDIS_PASSWORD:-}" ]]; then',
        '  echo "twofa-redis: REDIS_PASSWORD is empty: not starting with an unprotected default user" >&2',
        "  exit 1",
        "fi",
        "twofa_sha256() { printf '%s' \"$1\" | sha256sum | cut -d' ' -f1; }",
        'twofa_setinfo=""',
        'if [[ "$(redis-server --version)" =~ v=([0-9]+)\\.([0-9]+) ]] && '
        f'(( BASH_REMATCH[1] > {SETINFO_SINCE[0]} || (BASH_REMATCH[1] == {SETINFO_SINCE[0]} && '
        f'BASH_REMATCH[2] >= {SETINFO_SINCE[1]}) )); then',
        f'  twofa_setinfo=" +{SETINFO}"',
        "fi",
        'twofa_backend_password="$(< "$twofa_acl_password_file")"',
        "umask 077",
        "{",
        f'  echo "user default on #$(twofa_sha256 "$REDIS_PASSWORD") {DEFAULT_RULES}"',
        f'  echo "user {username} on #$(twofa_sha256 "$twofa_backend_password") {backend_rules()}$twofa_setinfo"',
        '} > "$twofa_acl_dir/users.acl"',
        "unset twofa_backend_password twofa_setinfo",
        'ARGS+=("--aclfile" "$twofa_acl_dir/users.acl")',
    ])


def volume(secret_name: str) -> dict[str, Any]:
    return {"name": VOLUME, "secret": {"secretName": secret_name, "defaultMode": 0o440,
                                       "items": [{"key": PASSWORD_KEY, "path": PASSWORD_KEY}]}}


def volume_mount() -> dict[str, Any]:
    return {"name": VOLUME, "mountPath": MOUNT, "readOnly": True}
