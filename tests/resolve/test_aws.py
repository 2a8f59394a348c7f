"""resolve/aws.py: the one boto3 client (timeouts, bounded retries) and the one way an AWS failure is
put into words: no traceback, no secret. Real calls against moto are in tests/resolve/test_ecr.py,
tests/images/test_ecr_api.py and tests/secrets/test_store.py."""

from __future__ import annotations

import pytest
from botocore import exceptions as bex

from generator.resolve import aws


def _client_error(code: str, message: str = "") -> bex.ClientError:
    return bex.ClientError({"Error": {"Code": code, "Message": message}}, "GetObject")


def test_the_client_gives_up_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    client = aws.client("sts", "eu-west-1")
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (aws.CONNECT_TIMEOUT_S, aws.READ_TIMEOUT_S)
    # botocore counts the first call too: max_attempts retries, one more attempt in all.
    assert config.retries == {"total_max_attempts": aws.MAX_ATTEMPTS + 1, "mode": "standard"}
    assert client.meta.region_name == "eu-west-1"


@pytest.mark.parametrize(("error", "reason"), [
    (bex.NoCredentialsError(), "no AWS credentials found (set AWS_PROFILE"),
    (bex.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "incomplete AWS credentials: "),
    (_client_error("NoSuchBucket"), "bucket 'state' does not exist"),
    (_client_error("NoSuchKey"), "no object 'k.tfstate' in bucket 'state'"),
    (_client_error("AccessDenied", "Access Denied"), "access denied (AccessDenied: Access Denied)"),
    (_client_error("403"), "access denied (403)"),
    (_client_error("InvalidClientTokenId", "The security token included in the request is invalid"),
     "the AWS credentials were refused (InvalidClientTokenId)"),
    (_client_error("Throttling", "Rate exceeded"), "Throttling: Rate exceeded"),
    (bex.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "Could not connect to the endpoint URL"),
])
def test_each_failure_in_words(error: Exception, reason: str) -> None:
    assert aws.reason(error, bucket="state", key="k.tfstate").startswith(reason)


def test_a_missing_object_without_a_key_is_not_found() -> None:
    assert aws.reason(_client_error("404")) == "not found"


def test_a_bug_is_not_turned_into_words() -> None:
    with pytest.raises(KeyError):
        aws.reason(KeyError("not an AWS answer"))
