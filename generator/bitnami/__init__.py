"""Every copy of the Bitnami redis subchart's logic that the generator keeps, in one package.

Without the archive (it cannot be downloaded offline) the generator still has to know what the
subchart would do: the names it gives (names.py), the configuration ConfigMap (config.py), the
pods (pods.py), the images it can pull (slots.py) and the ports below. Each is a copy of
Bitnami's templates, checked against the archive of COPIED_FROM; tests/e2e/test_bitnami.py compares
each copy with the real render whenever an archive is in chart/charts/. Re-check them (run that
test with the new archive) on every chart upgrade.
"""

from __future__ import annotations

COPIED_FROM = "23.1.1"  # the Bitnami redis chart these copies were checked against
CHART = "redis"  # the chart's name, which its resource names and archive name embed

# Bitnami's default container ports (master/replica.containerPorts.redis,
# sentinel.containerPorts.sentinel, metrics.containerPorts.http); our NetworkPolicy and outputs
# use the same numbers (chart/values.yaml writes the first and the last out).
REDIS_PORT = 6379
SENTINEL_PORT = 26379
METRICS_PORT = 9121

# Settings whose value the subchart's templates write into a manifest without quotes (23.1.1:
# the password volume's `secretName: {{ include "redis.secretName" . }}`, and
# `common.storage.class`'s `storageClassName: %s`). Kubernetes reads such a field with Go's
# YAML, so a value like 1e3 or yes would arrive as a number or a boolean: validation refuses
# those values for these settings (tests/e2e/test_yaml_strings.py finds any other).
UNQUOTED_SETTINGS = {
    "secret_name": "the password volume's secretName",
    "storage_class_name": "the volume claim's storageClassName",
}
