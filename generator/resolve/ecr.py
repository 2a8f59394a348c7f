"""ECR: where the registry and repository come from.

`ecr_registry` / `ecr_repository` are either written in the environment file or resolved here,
once per build, from the `backend_infra` Terraform state (its output `ecr_url`, from a local
file or the S3 backend) or from the account of the current AWS credentials (STS). Explicit
values win. boto3 is slow to import, so it is imported only when a source must be asked.

Every failure is a ResolveError that says what was tried and why it failed, never a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from generator.core import files
from generator.core.errors import ResolveError
from generator.core.names import ECR_HOST
from generator.core.settings import Settings
from generator.load.environment import Environment
from generator.resolve import aws

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
        return files.read_text(file, MAX_STATE_BYTES)
    except files.NotReadable as e:
        if str(e.strerror).startswith("larger"):
            raise _fail(env, path, f"{name}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state") from None
        raise _fail(env, path, f"{name}: {e.strerror}; not a Terraform state") from None
    except FileNotFoundError:
        raise _fail(env, path, f"{name}: no such file (relative paths start at the project root)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(env, path, f"{name}: cannot read ({getattr(e, 'strerror', None) or e})") from None


def _read_s3(env: Environment, bucket: str, key: str, region: str, path: tuple[str, ...]) -> str:
    tried = f"reading s3://{bucket}/{key} in {region}"
    try:
        client = aws.client("s3", region)
        response = client.get_object(Bucket=bucket, Key=key)
        if int(response.get("ContentLength") or 0) > MAX_STATE_BYTES:
            raise _fail(env, path, f"{tried}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state")
        body = response["Body"].read(MAX_STATE_BYTES + 1)
    except ResolveError:
        raise
    except Exception as e:
        raise _fail(env, path, f"{tried}: {aws.reason(e, bucket=bucket, key=key)}") from None
    if len(body) > MAX_STATE_BYTES:
        raise _fail(env, path, f"{tried}: larger than {MAX_STATE_BYTES >> 20} MiB; not a Terraform state")
    try:
        return str(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(env, path, f"{tried}: not UTF-8 text; not a Terraform state") from None


def _output(env: Environment, text: str, output: str, where: str, path: tuple[str, ...]) -> str:
    try:
        state = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: [[[[... nested past Python's stack
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
    match = ECR_HOST.fullmatch(host)
    if not match or not _REPOSITORY.fullmatch(repository) or len(repository) > 256:
        raise _fail(env, path, f"{where}: {shown!r} is not an ECR URL "
                               "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>)")
    if match.group("region") != region:
        raise _fail(env, path, f"{where}: {shown!r} is in region {match.group('region')!r} but the environment's "
                               f"region is {region!r}")
    return host, repository


def _caller_account(env: Environment, region: str, path: tuple[str, ...]) -> str:
    try:
        identity = aws.client("sts", region).get_caller_identity()
    except Exception as e:
        raise _fail(env, path, f"asking STS for the current account: {aws.reason(e)}") from None
    return str(identity["Account"])


def _dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
