"""What ECR says about the images of an environment: the registry login (for `mirror`) and the
digest each tag points to (for `images --verify`, `build --verify-images`, `mirror`)."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from generator.core.errors import RegistryError
from generator.core.names import ECR_HOST
from generator.core.settings import Settings
from generator.core.text import shown
from generator.images.documents import DIGEST
from generator.resolve import aws

if TYPE_CHECKING:
    from generator.images import oci


def login(settings: Settings, host: str = "") -> oci.Credentials:
    """Registry credentials for ecr_registry (or another ECR `host`: the chart's, which may be
    another account's), from ECR's get_authorization_token (12 h valid)."""
    from generator.images import oci

    host = host or settings.ecr_registry
    match = ECR_HOST.fullmatch(host)
    kwargs = {"registryIds": [match.group("account")]} if match else {}
    region = match.group("region") if match else settings.region
    try:
        data = aws.client("ecr", region).get_authorization_token(**kwargs)["authorizationData"][0]
        user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    except (KeyError, IndexError, binascii.Error, UnicodeDecodeError):
        raise RegistryError(f"{host}: ECR returned an authorization token that is not base64 user:password") from None
    except Exception as e:
        raise RegistryError(f"{host}: ECR login (get_authorization_token): {aws.reason(e)}") from None
    return oci.Credentials(user, password)


def lookup(settings: Settings, tags: list[str], registry: oci.Registry | None = None,
           timeout: float = 30.0) -> dict[str, str | None]:
    """The manifest digest each tag of ecr_repository points to (None: not there).

    A real ECR host is asked through the ECR API (describe_images); any other registry host
    (a loopback registry, a mirror) through the registry API, with the ECR login.
    """
    match = ECR_HOST.fullmatch(settings.ecr_registry)
    if match is None:
        from generator.images import oci

        registry = registry or oci.Registry(settings.ecr_registry, login(settings), timeout)
        return {tag: registry.head_manifest(settings.ecr_repository, tag) for tag in tags}
    client = aws.client("ecr", match.group("region"))
    found: dict[str, str | None] = {}
    for tag in tags:
        try:
            details = client.describe_images(registryId=match.group("account"),
                                             repositoryName=settings.ecr_repository,
                                             imageIds=[{"imageTag": tag}])["imageDetails"]
            found[tag] = str(details[0]["imageDigest"]) if details else None
            if found[tag] is not None and not DIGEST.fullmatch(str(found[tag])):
                raise RegistryError(f"{settings.ecr_registry}: describe_images {settings.ecr_repository}:{tag}: "
                                    f"{shown(found[tag])} is not a sha256 digest")
        except RegistryError:
            raise
        except Exception as e:
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            if code == "ImageNotFoundException":
                found[tag] = None
                continue
            if code == "RepositoryNotFoundException":
                raise RegistryError(f"{settings.ecr_registry}: repository {settings.ecr_repository!r} does not "
                                    "exist (backend_infra creates it)") from None
            raise RegistryError(f"{settings.ecr_registry}: describe_images {settings.ecr_repository}:{tag}: "
                                f"{aws.reason(e)}") from None
    return found
