"""`secret put` / `secret check`: the password in AWS Secrets Manager, where the ExternalSecret
of secret_mode external reads it (generator/core/names.py, aws_secret_name).

boto3 is imported here only. Its endpoint follows the usual AWS variables (AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_SECRETS_MANAGER), credentials the usual chain. The password is never printed,
logged or put in an error message; only the secret's name, region and version are.
"""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.core import invocation, names, passwords
from generator.core.errors import SecretStoreError, UsageError
from generator.core.settings import Settings
from generator.resolve import aws

DESCRIPTION = "Redis password of twofa-redis ({env}); read by the ExternalSecret {secret} in namespace {namespace}"


def _settings(root: Path, env: str) -> Settings:
    settings = pipeline.prepare(root, env).settings
    if settings.secret_mode != "external":
        raise UsageError(f"{settings.env}: secret_mode is {settings.secret_mode}, so no ExternalSecret reads AWS "
                         "Secrets Manager; set secret_mode: external in the environment file first")
    return settings


def put(root: Path, env: str, prompt: bool | None = None) -> str:
    settings = _settings(root, env)
    password = passwords.ask(prompt)
    name = names.aws_secret_name(settings)
    where = f"{name} in AWS Secrets Manager ({settings.region})"
    client = aws.client("secretsmanager", settings.region)
    errors = client.exceptions
    try:
        try:
            current = client.get_secret_value(SecretId=name).get("SecretString")
        except errors.ResourceNotFoundException:
            created = client.create_secret(
                Name=name, SecretString=password,
                Description=DESCRIPTION.format(env=settings.env, secret=settings.secret_name,
                                               namespace=settings.namespace),
                Tags=[{"Key": "app", "Value": "twofa-redis"}, {"Key": "env", "Value": settings.env}],
            )
            return f"{settings.env}: created {where}, version {created['VersionId']}"
        if current == password:
            return f"{settings.env}: {where} already holds this password; unchanged"
        updated = client.put_secret_value(SecretId=name, SecretString=password)
        return f"{settings.env}: updated {where}, new version {updated['VersionId']}"
    except Exception as e:  # botocore's exceptions are generated; only their text is ours to show
        raise _failure(e, where, "store") from None


def check(root: Path, env: str) -> str:
    settings = _settings(root, env)
    name = names.aws_secret_name(settings)
    where = f"{name} in AWS Secrets Manager ({settings.region})"
    client = aws.client("secretsmanager", settings.region)
    try:
        try:
            value = client.get_secret_value(SecretId=name)
        except client.exceptions.ResourceNotFoundException:
            raise SecretStoreError(f"{settings.env}: {where} does not exist; run "
                                   f"{invocation.command('secret', 'put', settings.env)}") from None
    except SecretStoreError:
        raise
    except Exception as e:
        raise _failure(e, where, "read") from None
    text = value.get("SecretString")
    if not isinstance(text, str) or len(text) < passwords.MIN_PASSWORD:
        raise SecretStoreError(f"{settings.env}: {where} holds no usable password (a string of at least "
                               f"{passwords.MIN_PASSWORD} characters); run "
                               f"{invocation.command('secret', 'put', settings.env)}")
    return (f"{settings.env}: {where} is present (version {value.get('VersionId')}); the ExternalSecret "
            f"{settings.secret_name} in namespace {settings.namespace} reads it")


def _failure(error: Exception, where: str, verb: str) -> SecretStoreError:
    return SecretStoreError(f"cannot {verb} {where}: {aws.reason(error)}")
