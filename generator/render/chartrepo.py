"""The chart from ECR, on the cluster's side: when chart_repository is an ECR registry, each
Application file (argocd/<env>.yaml) also carries what Argo CD needs to pull it there.

ECR tokens expire after 12 hours and Argo CD has no ECR login, so External Secrets Operator (the
operator the project already uses for the password) refreshes an Argo CD repository Secret from
an ECRAuthorizationToken generator, authenticated by IRSA (argocd.chart_role_arn). The objects
are named after the environment's Application, so several environments in one Argo CD do not
fight over them; their repository Secrets then name the same url, and any of them serves.
Validated against schemas/crds/ like the Application.
"""

from __future__ import annotations

from generator.bitnami import CHART
from generator.core import names
from generator.core.names import ECR_HOST
from generator.core.settings import Settings
from generator.images.refs import oci_location
from generator.render import chart

REFRESH = "1h"  # well inside the token's 12 h: one failed refresh, or ten, cost nothing
CUSTOM_OBJECTS = 2  # the ECRAuthorizationToken and the ExternalSecret (the ServiceAccount is core)


def region(settings: Settings) -> str | None:
    """The ECR region when the chart comes from an ECR registry (and Argo CD renders it), else None."""
    found = oci_location(settings.chart_repository)
    match = ECR_HOST.fullmatch(found[0]) if found else None
    return match.group("region") if match and settings.argocd is not None else None


def text(settings: Settings) -> str:
    """The ServiceAccount, ECRAuthorizationToken and ExternalSecret, as YAML documents; "" when
    the chart does not come from ECR."""
    where = region(settings)
    found = oci_location(settings.chart_repository)
    if where is None or found is None or settings.argocd is None:
        return ""
    host, namespace = found
    return chart.render_template(
        "chart-repository.yaml.j2", refresh=REFRESH, repository=f"{namespace}/{CHART}",
        object_name=names.chart_repository(settings), namespace=settings.argocd.namespace,
        labels={"app.kubernetes.io/part-of": settings.prefix, "twofa-redis/environment": settings.env},
        role_arn=settings.argocd.chart_role_arn, region=where, url=f"{host}/{namespace}",
    )
