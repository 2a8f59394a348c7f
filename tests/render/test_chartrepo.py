"""With chart_repository on ECR, argocd/<env>.yaml carries what Argo CD needs to pull the chart:
an IRSA ServiceAccount, an ECRAuthorizationToken and an ExternalSecret writing an Argo CD
repository Secret; ESO's own templates survive Jinja2, and schemas/crds/ refuses what ESO or
Argo CD would not take."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.check import crds
from tests.support.charts import use_chart

ECR = "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/twofa/charts"
ROLE = "arn:aws:iam::123456789012:role/twofa-argocd-ecr-chart-pull"


def on_ecr(project: Path) -> None:
    use_chart(project, "23.1.1", ECR)
    common = project / "environments" / "_common.yaml"
    data = yaml.safe_load(common.read_text())
    data["argocd"]["chart_role_arn"] = ROLE
    common.write_text(yaml.safe_dump(data, sort_keys=False))


def documents(project: Path, env: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((project / "argocd" / f"{env}.yaml").read_text()) if d]


def test_the_chart_from_ecr_brings_its_repository_secret(bare_project: Path, cli) -> None:
    on_ecr(bare_project)
    for env in ("dev", "staging", "prod"):
        ran = cli(bare_project, "build", env, "--fetch-timeout", "0")
        assert ran.code == 0, ran.err

    app, account, generator, external = documents(bare_project, "prod")
    assert app["kind"] == "Application"
    name = "twofa-redis-prod-chart-repo"
    assert (account["kind"], account["metadata"]["name"], account["metadata"]["namespace"]) == (
        "ServiceAccount", name, "argocd")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    assert generator["spec"] == {"region": "eu-west-1", "auth": {"jwt": {"serviceAccountRef": {"name": name}}}}
    spec = external["spec"]
    assert spec["refreshInterval"] == "1h"
    assert spec["dataFrom"] == [{"sourceRef": {"generatorRef": {
        "apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "ECRAuthorizationToken", "name": name}}}]
    template = spec["target"]["template"]
    assert template["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "repository"}
    # Exactly what Argo CD matches (no oci://) and ESO fills: its templates reached the file as written.
    assert template["data"] == {"name": name, "type": "helm", "enableOCI": "true",
                                "url": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/twofa/charts",
                                "username": "{{ .username }}", "password": "{{ .password }}"}
    assert [d["metadata"]["name"] for d in documents(bare_project, "dev")[1:]] == ["twofa-redis-dev-chart-repo"] * 3
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.out + ran.err  # validated against schemas/crds/, no literal password, up to date
    assert "argocd/: 3 Applications validated against schemas/crds/, up to date" in ran.out


def test_no_repository_secret_while_the_chart_is_not_on_ecr(bare_project: Path, cli) -> None:
    use_chart(bare_project, "23.1.1", "oci://registry-1.docker.io/bitnamicharts")
    assert cli(bare_project, "build", "dev", "--fetch-timeout", "0").code == 0
    assert [d["kind"] for d in documents(bare_project, "dev")] == ["Application"]


def _broken(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    obj = copy.deepcopy(base)
    node = obj
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return obj


@pytest.mark.parametrize(("kind", "path", "value", "expected"), [
    ("ECRAuthorizationToken", ("spec", "regoin"), "eu-west-1", "Additional properties are not allowed ('regoin'"),
    ("ECRAuthorizationToken", ("spec", "region"), None, "'region' is a required property"),
    ("ECRAuthorizationToken", ("spec", "auth"), {"secretRef": {}}, "Additional properties are not allowed"),
    ("ExternalSecret", ("spec", "target", "template", "engineVersion"), "v1", "'v2' was expected"),
    ("ExternalSecret", ("spec", "dataFrom", 0, "sourceRef", "generatorRef", "kind"), "Password", "was expected"),
    ("ExternalSecret", ("spec", "secretStoreRef"), {"kind": "ClusterSecretStore", "name": "aws"}, "is not valid under"),
    ("ExternalSecret", ("spec", "dataFrom"), None, "is not valid under"),
    ("ExternalSecret", ("spec", "target", "template"), None, "is not valid under"),
])
def test_the_schemas_refuse_what_eso_would_not_take(bare_project: Path, cli, kind: str, path: tuple[Any, ...],
                                                    value: Any, expected: str) -> None:
    on_ecr(bare_project)
    assert cli(bare_project, "build", "dev", "--fetch-timeout", "0").code == 0
    good = next(d for d in documents(bare_project, "dev") if d["kind"] == kind)
    assert crds.errors(good) == []
    found = crds.errors(_broken(good, path, value))
    assert any(expected in e for e in found), found


def test_the_documented_iam_policies_grant_what_they_say(bare_project: Path) -> None:
    import fnmatch
    import json

    from generator import pipeline
    from generator.core import names
    from tests.support.paths import CHECKOUT

    def actions(name: str) -> set[str]:
        policy = json.loads((CHECKOUT / "docs" / "iam" / name).read_text())
        found: set[str] = set()
        for statement in policy["Statement"]:
            listed = statement["Action"]
            found |= {listed} if isinstance(listed, str) else set(listed)
        return found

    pull = {"ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability"}
    assert actions("argocd-chart-pull.json") == pull  # the token Argo CD gets can pull, nothing more
    push = actions("mirror-push.json")
    assert pull | {"ecr:DescribeImages", "ecr:PutImage"} <= push and "ecr:BatchDeleteImage" not in push
    trust = json.loads((CHECKOUT / "docs" / "iam" / "argocd-chart-pull-trust.json").read_text())["Statement"][0]
    (subject,) = trust["Condition"]["StringLike"].values()
    for env in ("dev", "staging", "prod"):  # the trust policy admits each environment's ServiceAccount
        settings = pipeline.prepare(bare_project, env, resolve_ecr=False).settings
        assert fnmatch.fnmatchcase(f"system:serviceaccount:argocd:{names.chart_repository(settings)}", subject)
