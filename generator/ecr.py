"""ECR: where the registry and repository come from, the login, and what a tag points to.

`ecr_registry` / `ecr_repository` are either written in the environment file or resolved here,
once per build, from the `backend_infra` Terraform state (its output `ecr_url`, from a local
file or the S3 backend) or from the account of the current AWS credentials (STS). Explicit
values win. boto3 is slow to import, so it is imported only when a source must be asked.

Every failure is a ResolveError that says what was tried and why it failed, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.errors import RegistryError, ResolveError
from generator.core.settings import Settings
from generator.load.environment import Environment

if TYPE_CHECKING:
    from generator import oci

ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
_REPOSITORY = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
MAX_STATE_BYTES = 64 << 20
DEFAULT_OUTPUT = "ecr_url"


@dataclass(frozen=True)
class Resolution:
    registry: str
    repository: str
    source: str  # what it was resolved from, for the build's summary

    @property
    def url(self) -> str:
        return f"{self.registry}/{self.repository}"


def resolve(env: Environment, settings: Settings, root: Path) -> tuple[Settings, Resolution | None]:
    """Settings with ecr_registry and ecr_repository filled in, and where they came from."""
    if settings.ecr_registry and settings.ecr_repository:
        files = " + ".join(sorted({env.locate((k,)).file for k in ("ecr_registry", "ecr_repository")}))
        return settings, Resolution(settings.ecr_registry, settings.ecr_repository, f"explicit in {files}")
    if not settings.enable_redis:
        return settings, None  # nothing is pulled, nothing to resolve
    source = settings.ecr_source or {}
    if "terraform_state" in source:
        state = source["terraform_state"]
        output = state.get("output", DEFAULT_OUTPUT)
        path = ("ecr_source", "terraform_state")
        if "path" in state:
            where = f"Terraform state {state['path']}"
            text = _read_local(env, root, state["path"], path)
        else:
            region = state.get("region") or settings.region
            where = f"Terraform state s3://{state['bucket']}/{state['key']} ({region})"
            text = _read_s3(env, state["bucket"], state["key"], region, path)
        url = _output(env, text, output, where, path)
        registry, repository = _split(env, url, settings.region, f"{where}: output {output}", path)
        found = Resolution(registry, repository, f"{where}, output {output}")
    elif "aws_account" in source:
        path = ("ecr_source", "aws_account")
        account = _caller_account(env, settings.region, path)
        registry = f"{account}.dkr.ecr.{settings.region}.{_dns_suffix(settings.region)}"
        found = Resolution(registry, source["aws_account"]["repository"], f"AWS account {account} (STS)")
    else:  # the schema requires one or the other; kept for callers that skipped validation
        raise ResolveError(problems=[env.problem(("ecr_registry",), "not set and no ecr_source names where it comes "
                                                                    "from")])
    # Explicit values win, one field at a time.
    registry = settings.ecr_registry or found.registry
    repository = settings.ecr_repository or found.repository
    return replace(settings, ecr_registry=registry, ecr_repository=repository), replace(
        found, registry=registry, repository=repository)


def _fail(env: Environment, path: tuple[str, ...], message: str) -> ResolveError:
    return ResolveError(problems=[env.problem(path, message)])


def _read_local(env: Environment, root: Path, name: str, path: tuple[str, ...]) -> str:
    file = (root / name).expanduser()
    try:
        if file.stat().st_size > MAX_STATE_BYTES:
            raise _fail(env, path, f"{name}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state")
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(env, path, f"{name}: no such file (relative paths start at the project root)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(env, path, f"{name}: cannot read ({getattr(e, 'strerror', None) or e})") from None


def _read_s3(env: Environment, bucket: str, key: str, region: str, path: tuple[str, ...]) -> str:
    tried = f"reading s3://{bucket}/{key} in {region}"
    try:
        client = _client("s3", region)
        response = client.get_object(Bucket=bucket, Key=key)
        if int(response.get("ContentLength") or 0) > MAX_STATE_BYTES:
            raise _fail(env, path, f"{tried}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state")
        body = response["Body"].read(MAX_STATE_BYTES + 1)
    except ResolveError:
        raise
    except Exception as e:
        raise _fail(env, path, f"{tried}: {aws_reason(e, bucket=bucket, key=key)}") from None
    if len(body) > MAX_STATE_BYTES:
        raise _fail(env, path, f"{tried}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state")
    try:
        return str(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(env, path, f"{tried}: not UTF-8 text; not a Terraform state") from None


def _output(env: Environment, text: str, output: str, where: str, path: tuple[str, ...]) -> str:
    try:
        state = json.loads(text)
    except ValueError:
        raise _fail(env, path, f"{where}: not JSON; not a Terraform state") from None
    outputs = state.get("outputs") if isinstance(state, dict) else None
    if not isinstance(outputs, dict):
        raise _fail(env, path, f"{where}: no outputs section; not a Terraform state (version 4)")
    entry = outputs.get(output)
    if not isinstance(entry, dict) or "value" not in entry:
        names = ", ".join(sorted(str(k) for k in outputs)) or "none"
        raise _fail(env, path, f"{where}: the state has no output {output!r} (outputs: {names})")
    value = entry["value"]
    if not isinstance(value, str):
        raise _fail(env, path, f"{where}: output {output!r} is not a string")
    return value


def _split(env: Environment, url: str, region: str, where: str, path: tuple[str, ...]) -> tuple[str, str]:
    """`<account>.dkr.ecr.<region>.amazonaws.com/<repository>` -> (registry, repository)."""
    shown = url if len(url) <= 120 else url[:117] + "..."
    host, _, repository = url.partition("/")
    match = ECR_HOST.match(host)
    if not match or not _REPOSITORY.match(repository) or len(repository) > 256:
        raise _fail(env, path, f"{where}: {shown!r} is not an ECR URL "
                               "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>)")
    if match.group("region") != region:
        raise _fail(env, path, f"{where}: {shown!r} is in region {match.group('region')!r} but the environment's "
                               f"region is {region!r}")
    return host, repository


def _caller_account(env: Environment, region: str, path: tuple[str, ...]) -> str:
    try:
        identity = _client("sts", region).get_caller_identity()
    except Exception as e:
        raise _fail(env, path, f"asking STS for the current account: {aws_reason(e)}") from None
    return str(identity["Account"])


def _dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


# --- AWS ----------------------------------------------------------------------------------


def _client(service: str, region: str) -> Any:
    """A boto3 client. The endpoint follows the standard AWS_ENDPOINT_URL(_<SERVICE>) variables."""
    import boto3  # slow to import: only commands that talk to AWS pay for it
    from botocore.config import Config

    config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.session.Session(region_name=region).client(service, config=config)


_DENIED = {"AccessDenied", "AccessDeniedException", "Forbidden", "403", "UnauthorizedOperation",
           "AllAccessDisabled"}
_REFUSED = {"InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException"}


def aws_reason(error: Exception, bucket: str | None = None, key: str | None = None) -> str:
    """Why an AWS call failed, in words; no traceback, no secret."""
    from botocore import exceptions as bex

    if isinstance(error, bex.NoCredentialsError):
        return ("no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or run where an instance or pod role is available)")
    if isinstance(error, bex.PartialCredentialsError):
        return f"incomplete AWS credentials: {error}"
    if isinstance(error, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError)):
        return f"cannot reach AWS: {error}"
    if isinstance(error, bex.ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        message = str(info.get("Message", "")).strip()
        if code == "NoSuchBucket":
            return f"bucket {bucket!r} does not exist"
        if code in ("NoSuchKey", "404", "NotFound"):
            return f"no object {key!r} in bucket {bucket!r}" if key else "not found"
        if code in _DENIED:
            return f"access denied ({code}{': ' + message if message else ''})"
        if code in _REFUSED:
            return f"the AWS credentials were refused ({code})"
        return f"{code}: {message}" if message else code
    if isinstance(error, bex.BotoCoreError):
        return str(error)
    raise error  # a bug, not an AWS answer: let it show


def login(settings: Settings) -> oci.Credentials:
    """Registry credentials for ecr_registry, from ECR's get_authorization_token (12 h valid)."""
    from generator import oci

    match = ECR_HOST.match(settings.ecr_registry)
    kwargs = {"registryIds": [match.group("account")]} if match else {}
    region = match.group("region") if match else settings.region
    try:
        data = _client("ecr", region).get_authorization_token(**kwargs)["authorizationData"][0]
        user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    except (KeyError, IndexError, binascii.Error, UnicodeDecodeError):
        raise RegistryError(f"{settings.ecr_registry}: ECR returned an authorization token that is not "
                            "base64 user:password") from None
    except Exception as e:
        raise RegistryError(f"{settings.ecr_registry}: ECR login (get_authorization_token): {aws_reason(e)}") from None
    return oci.Credentials(user, password)


def lookup(settings: Settings, tags: list[str], registry: oci.Registry | None = None) -> dict[str, str | None]:
    """The manifest digest each tag of ecr_repository points to (None: not there).

    A real ECR host is asked through the ECR API (describe_images); any other registry host
    (a loopback registry, a mirror) through the registry API, with the ECR login.
    """
    match = ECR_HOST.match(settings.ecr_registry)
    if match is None:
        from generator import oci

        registry = registry or oci.Registry(settings.ecr_registry, login(settings))
        return {tag: registry.head_manifest(settings.ecr_repository, tag) for tag in tags}
    client = _client("ecr", match.group("region"))
    found: dict[str, str | None] = {}
    for tag in tags:
        try:
            details = client.describe_images(registryId=match.group("account"),
                                             repositoryName=settings.ecr_repository,
                                             imageIds=[{"imageTag": tag}])["imageDetails"]
            found[tag] = str(details[0]["imageDigest"]) if details else None
        except Exception as e:
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            if code == "ImageNotFoundException":
                found[tag] = None
                continue
            if code == "RepositoryNotFoundException":
                raise RegistryError(f"{settings.ecr_registry}: repository {settings.ecr_repository!r} does not "
                                    "exist (backend_infra creates it)") from None
            raise RegistryError(f"{settings.ecr_registry}: describe_images {settings.ecr_repository}:{tag}: "
                                f"{aws_reason(e)}") from None
    return found
