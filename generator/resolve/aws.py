"""AWS, for every command that talks to it: the one boto3 client factory and the one way an
AWS failure is put into words.

boto3 is slow to import, so it is imported only when a client is made. Endpoints follow the
standard AWS_ENDPOINT_URL(_<SERVICE>) variables, credentials the usual chain.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
MAX_ATTEMPTS = 2
CALL_DEADLINE_S = 60.0  # one API call, its retries included: botocore bounds each read only


class CallTimeout(TimeoutError):
    """An AWS call that did not end within CALL_DEADLINE_S."""


class _Bounded:
    """A boto3 client whose every API call has an overall deadline: run in a daemon thread and
    abandoned when late (botocore's timeouts bound each socket read, not a dripping endpoint)."""

    def __init__(self, client: Any, seconds: float) -> None:
        self._client, self._seconds = client, seconds

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            import threading

            box: dict[str, Any] = {}

            def work() -> None:
                try:
                    box["value"] = attr(*args, **kwargs)
                except BaseException as e:  # handed to the caller's thread below
                    box["error"] = e

            thread = threading.Thread(target=work, name=f"aws-{name}", daemon=True)
            thread.start()
            thread.join(self._seconds)
            if thread.is_alive():
                raise CallTimeout(f"{name}: no answer within {self._seconds:g} s")
            if "error" in box:
                raise box["error"]
            return box["value"]

        return call


def client(service: str, region: str, deadline: float = CALL_DEADLINE_S) -> Any:
    """A boto3 client with timeouts, bounded retries and an overall deadline per call: an
    unreachable or dripping endpoint fails in seconds."""
    import boto3  # slow to import: only commands that talk to AWS pay for it
    from botocore.config import Config

    config = Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S,
                    retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"})
    return _Bounded(boto3.session.Session(region_name=region).client(service, config=config), deadline)


_DENIED = {"AccessDenied", "AccessDeniedException", "Forbidden", "403", "UnauthorizedOperation",
           "AllAccessDisabled"}
_REFUSED = {"InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException"}


def reason(error: Exception, bucket: str | None = None, key: str | None = None) -> str:
    """Why an AWS call failed, in words; no traceback, no secret."""
    from botocore import exceptions as bex

    if isinstance(error, CallTimeout):
        return f"no answer: {error}"
    if isinstance(error, bex.NoCredentialsError):
        return ("no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or run where an instance or pod role is available)")
    if isinstance(error, bex.PartialCredentialsError):
        return f"incomplete AWS credentials: {error}"
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
        return str(error)  # "Could not connect to the endpoint URL: ...", "Connect timeout on endpoint URL: ..."
    raise error  # a bug, not an AWS answer: let it show
