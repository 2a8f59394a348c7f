"""TR-IMG-*: every image from the environment's ECR registry, pinned by digest when asked, no rolling
tag in production without a digest."""

from __future__ import annotations

import re

from generator.check.policy import deployment
from generator.check.policy.model import Context, Coverage, Evaluation, Rule
from generator.core.k8s import containers

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
ROLLING = re.compile(r"(^|[-_.])latest($|[-_.])")


def _images(ctx: Context) -> tuple[list[tuple[str, str, str, str]], bool]:
    """(object, field, container, image) of every container, and whether the pods were rendered."""
    all_pods, seen = deployment.redis_pods(ctx)
    return [(pod.name, c.at("image"), c.name, str(c.spec.get("image", ""))) for pod in all_pods
            for c in containers(pod)], seen


def _tag(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def _done(ctx: Context, rule: Rule, findings: list, seen: bool) -> Evaluation:  # type: ignore[type-arg]
    if seen:
        return rule.evaluation(findings)
    return rule.evaluation(findings, Coverage.PARTIAL, deployment.ASSUMED)


def check_registry(ctx: Context, rule: Rule) -> Evaluation:
    images, seen = _images(ctx)
    prefix = ctx.settings.ecr_registry + "/"
    findings = [rule.finding(ctx, obj, path, f"container {name} image {image} is not from {ctx.settings.ecr_registry}")
                for obj, path, name, image in images if not image.startswith(prefix)]
    return _done(ctx, rule, findings, seen)


def check_digest(ctx: Context, rule: Rule) -> Evaluation:
    if not ctx.settings.require_image_digest:
        return rule.evaluation((), Coverage.NOT_APPLICABLE, "require_image_digest is false")
    images, seen = _images(ctx)
    findings = [rule.finding(ctx, obj, path, f"container {name} image {image} is not pinned by sha256 digest")
                for obj, path, name, image in images if not DIGEST.search(image)]
    return _done(ctx, rule, findings, seen)


def check_rolling(ctx: Context, rule: Rule) -> Evaluation:
    if not deployment.is_production(ctx):
        return rule.evaluation((), Coverage.NOT_APPLICABLE, "not a production environment")
    images, seen = _images(ctx)
    findings = [rule.finding(ctx, obj, path, f"container {name} image {image} uses the rolling tag "
                             f"{_tag(image)!r} without a digest in production")
                for obj, path, name, image in images if ROLLING.search(_tag(image)) and not DIGEST.search(image)]
    return _done(ctx, rule, findings, seen)


RULES = (
    Rule("TR-IMG-001", "ecr-registry", "supply-chain",
         "Every container image comes from the environment's ECR registry (ecr_registry).",
         "set ecr_registry / the image settings in the environment file; mirror the image to ECR",
         check_registry),
    Rule("TR-IMG-002", "digest-pinned", "supply-chain",
         "When the environment sets require_image_digest, every image is pinned by sha256 digest.",
         "pin the digests of the mirrored images: `twofa-redis mirror <env> --pin` (images.<name>.digest)",
         check_digest),
    Rule("TR-IMG-003", "no-latest-in-prod", "supply-chain",
         "A production environment runs no `latest`-style tag without a digest.",
         "set image_tag / metrics_image_tag to a fixed version (e.g. redis-8.4.0), or pin a digest",
         check_rolling),
)
