"""Who we are to a registry: a username and password, and the logins `docker login` stored."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.core import files
from generator.core.errors import RegistryError
from generator.images.refs import DOCKER_HUB, DOCKER_HUB_API


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


MAX_CONFIG_BYTES = 1 << 20
DOCKER_HUB_AUTH_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", DOCKER_HUB_API)


def docker_login(host: str, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The login `docker login` stored for a registry (the `auths` of $DOCKER_CONFIG/config.json,
    default ~/.docker/config.json), as the seed's `docker pull` would have used it. Credential
    helpers (credsStore, credHelpers) are not run."""
    environ = os.environ if environ is None else environ
    directory = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    path = os.path.join(directory, "config.json")
    try:
        config = json.loads(files.read_regular_file(path, MAX_CONFIG_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as e:
        raise RegistryError(f"{path}: cannot read the Docker login file ({e.__class__.__name__})") from None
    auths = config.get("auths") if isinstance(config, dict) else None
    if not isinstance(auths, dict):
        return None
    keys = DOCKER_HUB_AUTH_KEYS if host in (DOCKER_HUB, DOCKER_HUB_API) else (host, f"https://{host}",
                                                                               f"http://{host}")
    for key in keys:
        entry = auths.get(key) or auths.get(key.rstrip("/"))
        if not isinstance(entry, dict):
            continue
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise RegistryError(f"{path}: auths.{key}.auth is not base64 user:password") from None
            return Credentials(user, password)
        if entry.get("username") and entry.get("password"):
            return Credentials(str(entry["username"]), str(entry["password"]))
    return None
