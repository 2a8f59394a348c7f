"""Which password, if any, a build may render, by secret_mode.

existing and external never carry the password anywhere: the Secret is made out of band or by
the External Secrets Operator. Only render puts it, from TF_VAR_redis_password or
REDIS_PASSWORD, into the git-ignored bundle build/<env>/manifests.yaml.
"""

from __future__ import annotations

import os

from generator.errors import SecretError
from generator.settings import Settings

MODES = ("existing", "external", "render")


def bundle_password(settings: Settings) -> tuple[str | None, str | None]:
    """(the password for the bundle's Secret, a note for the user)."""
    from generator.pipeline import PASSWORD_VARIABLES, read_password

    if settings.secret_mode == "render":
        password = read_password()
        if password is None:
            names = " or ".join(f"${v}" for v in PASSWORD_VARIABLES)
            raise SecretError(f"{settings.env}: secret_mode render needs the password in {names} "
                              "(at least 8 characters)")
        return password, None
    if any(os.environ.get(v) for v in PASSWORD_VARIABLES):
        where = ("a Secret made out of band" if settings.secret_mode == "existing"
                 else "AWS Secrets Manager, through the ExternalSecret (`python -m generator secret put`)")
        return None, (f"{settings.env}: secret_mode {settings.secret_mode}: the password variable is ignored "
                      f"and written nowhere; Redis reads {settings.secret_name} from {where}")
    return None, None
